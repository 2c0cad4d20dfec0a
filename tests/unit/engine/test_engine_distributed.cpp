// The launch read from the environment: Slurm hostlists, torchrun's variables before Slurm's,
// only an srun job step counts as several processes, and one-line errors naming the variable.
#include "bmfl/Distributed.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace
{

using Variables = std::map<std::string, std::string>;

bmfl::LaunchEnvironment launchOf(const Variables& variables)
{
  return bmfl::readLaunchEnvironment(
    [&](const std::string& name) -> std::optional<std::string>
    {
      const auto found = variables.find(name);
      return found == variables.end() ? std::nullopt : std::optional<std::string>(found->second);
    });
}

std::string errorOf(const Variables& variables)
{
  try
  {
    launchOf(variables);
  }
  catch (const std::invalid_argument& error)
  {
    return error.what();
  }
  return "no error";
}

// srun's variables for task 1 of 4 on two nodes.
Variables srunStep()
{
  return { { "SLURM_JOB_ID", "123456" }, { "SLURM_STEP_ID", "0" },
           { "SLURM_PROCID", "1" },      { "SLURM_NTASKS", "4" },
           { "SLURM_LOCALID", "1" },     { "SLURM_JOB_NODELIST", "gpu[03-05,09],cpu1" } };
}

TEST(Distributed, FirstSlurmHost)
{
  EXPECT_EQ(bmfl::firstSlurmHost("gpu[03-05,09],cpu1"), "gpu03");
  EXPECT_EQ(bmfl::firstSlurmHost("node7"), "node7");
  EXPECT_EQ(bmfl::firstSlurmHost("cn-a,cn-b"), "cn-a");
  EXPECT_EQ(bmfl::firstSlurmHost("rack[2-3]-node[010-012]"), "rack2-node010");
  EXPECT_EQ(bmfl::firstSlurmHost("n[7]"), "n7");
  EXPECT_EQ(bmfl::firstSlurmHost("host.example.org"), "host.example.org");
  for (const char* malformed : { "",
                                 "gpu[03-05",
                                 "gpu03]",
                                 "gpu[]",
                                 "gpu[05-03]",
                                 "gpu[a-b]",
                                 "gpu[1-2-3]",
                                 "a,,b",
                                 "a,",
                                 ",a",
                                 "gpu[1,]",
                                 "gpu [1]",
                                 "gpu[[1]]" })
  {
    EXPECT_THROW(bmfl::firstSlurmHost(malformed), std::invalid_argument) << malformed;
  }
}

TEST(Distributed, NoLauncherIsOneProcess)
{
  const bmfl::LaunchEnvironment launch = launchOf({});
  EXPECT_FALSE(launch.distributed());
  EXPECT_EQ(launch.rank, 0);
  EXPECT_EQ(launch.launcher, "");
}

TEST(Distributed, Torchrun)
{
  const bmfl::LaunchEnvironment launch = launchOf({ { "RANK", "3" },
                                                    { "WORLD_SIZE", "4" },
                                                    { "LOCAL_RANK", "1" },
                                                    { "MASTER_ADDR", "10.0.0.2" },
                                                    { "MASTER_PORT", "29400" } });
  EXPECT_TRUE(launch.distributed());
  EXPECT_EQ(launch.launcher, "torchrun");
  EXPECT_EQ(launch.rank, 3);
  EXPECT_EQ(launch.worldSize, 4);
  EXPECT_EQ(launch.localRank, 1);
  EXPECT_EQ(launch.masterAddress, "10.0.0.2");
  EXPECT_EQ(launch.masterPort, 29400);
  // A world of one needs no rendezvous.
  EXPECT_FALSE(launchOf({ { "RANK", "0" }, { "WORLD_SIZE", "1" } }).distributed());
}

TEST(Distributed, TorchrunBeforeSlurm)
{
  Variables variables = srunStep();
  variables.insert({ { "RANK", "0" },
                     { "WORLD_SIZE", "2" },
                     { "MASTER_ADDR", "127.0.0.1" },
                     { "MASTER_PORT", "4000" } });
  const bmfl::LaunchEnvironment launch = launchOf(variables);
  EXPECT_EQ(launch.launcher, "torchrun");
  EXPECT_EQ(launch.rank, 0);
  EXPECT_EQ(launch.worldSize, 2);
  EXPECT_EQ(launch.masterAddress, "127.0.0.1");
}

TEST(Distributed, SrunStep)
{
  const bmfl::LaunchEnvironment launch = launchOf(srunStep());
  EXPECT_TRUE(launch.distributed());
  EXPECT_EQ(launch.launcher, "slurm");
  EXPECT_EQ(launch.rank, 1);
  EXPECT_EQ(launch.worldSize, 4);
  EXPECT_EQ(launch.localRank, 1);
  EXPECT_EQ(launch.masterAddress, "gpu03");
  EXPECT_EQ(launch.masterPort, 20000 + 123456 % 10000);
  // MASTER_ADDR and MASTER_PORT win over the node list and the job id; SLURM_STEPID is read too.
  Variables variables = srunStep();
  variables.erase("SLURM_STEP_ID");
  variables["SLURM_STEPID"] = "2";
  variables["MASTER_ADDR"] = "head";
  variables["MASTER_PORT"] = "31000";
  const bmfl::LaunchEnvironment given = launchOf(variables);
  EXPECT_EQ(given.masterAddress, "head");
  EXPECT_EQ(given.masterPort, 31000);
}

TEST(Distributed, BatchScriptIsOneProcess)
{
  // sbatch --ntasks=4 running bmfl without srun: no job step, or the batch step's reserved id.
  Variables noStep = srunStep();
  noStep.erase("SLURM_STEP_ID");
  EXPECT_FALSE(launchOf(noStep).distributed());
  for (const char* reserved : { "4294967291", "4294967292", "4294967290" })
  {
    Variables batch = srunStep();
    batch["SLURM_STEP_ID"] = reserved;
    EXPECT_FALSE(launchOf(batch).distributed()) << reserved;
  }
  // srun with one task.
  Variables single = srunStep();
  single["SLURM_NTASKS"] = "1";
  single["SLURM_PROCID"] = "0";
  single["SLURM_LOCALID"] = "0";
  EXPECT_FALSE(launchOf(single).distributed());
}

TEST(Distributed, BadValuesNameTheVariable)
{
  const auto expectNamed = [](const Variables& variables, const std::string& name)
  {
    const std::string message = errorOf(variables);
    EXPECT_EQ(message.rfind(name, 0), 0u) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  };
  expectNamed({ { "RANK", "0" } }, "WORLD_SIZE");
  expectNamed({ { "WORLD_SIZE", "2" } }, "RANK");
  expectNamed({ { "RANK", "2" }, { "WORLD_SIZE", "2" } }, "RANK");
  expectNamed({ { "RANK", "x" }, { "WORLD_SIZE", "2" } }, "RANK");
  expectNamed({ { "RANK", "0" }, { "WORLD_SIZE", "0" } }, "WORLD_SIZE");
  expectNamed({ { "RANK", "0" }, { "WORLD_SIZE", "2" }, { "MASTER_PORT", "1" } }, "MASTER_ADDR");
  expectNamed({ { "RANK", "0" }, { "WORLD_SIZE", "2" }, { "MASTER_ADDR", "h" } }, "MASTER_PORT");
  expectNamed(
    { { "RANK", "0" }, { "WORLD_SIZE", "2" }, { "MASTER_ADDR", "h" }, { "MASTER_PORT", "70000" } },
    "MASTER_PORT");
  expectNamed({ { "RANK", "0" }, { "WORLD_SIZE", "2" }, { "LOCAL_RANK", "-1" } }, "LOCAL_RANK");

  Variables variables = srunStep();
  variables["SLURM_JOB_NODELIST"] = "gpu[03";
  expectNamed(variables, "SLURM_JOB_NODELIST");
  variables = srunStep();
  variables.erase("SLURM_JOB_NODELIST");
  expectNamed(variables, "SLURM_JOB_NODELIST");
  variables = srunStep();
  variables["SLURM_PROCID"] = "4";
  expectNamed(variables, "SLURM_PROCID");
  variables = srunStep();
  variables.erase("SLURM_JOB_ID");
  expectNamed(variables, "SLURM_JOB_ID");
  variables = srunStep();
  variables["SLURM_STEP_ID"] = "zero";
  expectNamed(variables, "SLURM_STEP_ID");
  variables = srunStep();
  variables["SLURM_LOCALID"] = "2";
  expectNamed(variables, "SLURM_LOCALID");
}

} // namespace
