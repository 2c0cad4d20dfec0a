// The distributed training test's helper (test_distributed_training.sh):
//   distributed_probe free-port              a TCP port free on 127.0.0.1 now
//   distributed_probe make-bundle DIR        the tiny bundle (wnid classes) without dropout
//   distributed_probe train OUT CACHE        brain encoder, then both heads, on the tiny data, as
//                                            one process or as a rank of the launch in the
//                                            environment (Gloo); rank 0 saves OUT
//   distributed_probe compare A B TOLERANCE [--without-key-biases]
//                                            the largest absolute weight difference of two
//                                            bundles over every tensor (but the attention key
//                                            biases, which no output depends on, when asked);
//                                            exit 1 when above TOLERANCE
#include "TinyModel.h"

#include "bmfl/Distributed.h"
#include "bmfl/Training.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

namespace
{

bmfl::BmflModelConfig configWithoutDropout()
{
  bmfl::BmflModelConfig config = bmfl::test::tinyConfig();
  config.brainEncoder.dropout = 0.0;
  config.brainTransformer.dropout = 0.0;
  config.fusion.dropout = 0.0;
  return config;
}

int freePort()
{
  const int socketFd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (socketFd < 0 || ::bind(socketFd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      ::getsockname(socketFd, reinterpret_cast<sockaddr*>(&address), &length) != 0)
  {
    throw std::runtime_error("no free port");
  }
  ::close(socketFd);
  return ntohs(address.sin_port);
}

void makeBundle(const std::string& folder)
{
  bmfl::TrainerOptions options;
  options.device = "cpu";
  options.seed = 1;
  std::vector<std::string> classNames = bmfl::test::tinyClassNames();
  for (std::size_t i = 0; i < classNames.size(); ++i)
  {
    classNames[i] = "n0000000" + std::to_string(i) + " " + classNames[i];
  }
  bmfl::Trainer trainer(configWithoutDropout(),
                        bmfl::test::tinySpace(),
                        classNames,
                        bmfl::test::tinyPreprocess(),
                        options);
  bmfl::TrainingProvenance provenance;
  provenance.command = "distributed_probe make-bundle";
  provenance.seed = 1;
  trainer.saveBundle(folder, provenance);
}

// Batches of 7 over 45 training examples: the last batch (3) splits unevenly over 2 ranks.
void train(const std::string& out, const std::string& cache)
{
  bmfl::TrainerOptions options;
  options.device = "cpu";
  options.seed = 5;
  options.featureCacheDir = cache;
  const bmfl::LaunchEnvironment launch = bmfl::readLaunchEnvironment();
  if (launch.distributed())
  {
    bmfl::DistributedOptions distributed;
    distributed.backend = "gloo";
    distributed.timeoutSeconds = 60;
    options.distributed = bmfl::DistributedGroup::join(launch, distributed, "cpu");
  }
  bmfl::Trainer trainer(configWithoutDropout(),
                        bmfl::test::tinySpace(),
                        bmfl::test::tinyClassNames(),
                        bmfl::test::tinyPreprocess(),
                        options);
  const bmfl::VectorExampleSource examples("tiny", bmfl::test::tinyExamples(60, 11));
  bmfl::BrainEncoderTrainingOptions brain;
  brain.epochs = 2;
  brain.batchSize = 7;
  brain.validationFraction = 0.25;
  brain.gradientClipNorm = 0.1;
  brain.seed = 7;
  trainer.trainBrainEncoder(examples, brain);
  bmfl::HeadTrainingOptions heads;
  heads.epochs = 2;
  heads.batchSize = 7;
  heads.validationFraction = 0.25;
  heads.schedule = "cosine";
  heads.seed = 9;
  // SGD: Adam would turn the rounding noise in the attention key biases (true gradient 0) into
  // steps of about the learning rate (see compare); the brain encoder keeps AdamW.
  heads.optimizer = "sgd";
  heads.learningRate = 0.05;
  const bmfl::TrainingReport baseline = trainer.trainBaselineHead(examples, heads);
  const bmfl::TrainingReport bmflHead = trainer.trainBmflHead(examples, heads);
  const bmfl::HeadPredictions predictions = trainer.predictHeads(examples, 8);
  if (launch.rank == 0)
  {
    // What the ranks agree on: the validation metrics and every prediction.
    std::printf("baseline val accuracy %.6f, BMFL val accuracy %.6f, predictions",
                baseline.bestMetric,
                bmflHead.bestMetric);
    for (std::size_t i = 0; i < predictions.bmfl.size(); ++i)
    {
      std::printf(" %d/%d", predictions.baseline[i], predictions.bmfl[i]);
    }
    std::printf("\n");
    bmfl::TrainingProvenance provenance;
    provenance.command = "distributed_probe train";
    trainer.saveBundle(out, provenance);
  }
}

} // namespace

int main(int argc, char** argv)
{
  const std::vector<std::string> args(argv + 1, argv + argc);
  try
  {
    if (args.size() == 1 && args[0] == "free-port")
    {
      std::printf("%d\n", freePort());
      return 0;
    }
    if (args.size() == 2 && args[0] == "make-bundle")
    {
      makeBundle(args[1]);
      return 0;
    }
    if (args.size() == 3 && args[0] == "train")
    {
      train(args[1], args[2]);
      return 0;
    }
    if ((args.size() == 4 || (args.size() == 5 && args[4] == "--without-key-biases")) &&
        args[0] == "compare")
    {
      bmfl::TrainerOptions options;
      options.device = "cpu";
      const auto first = bmfl::Trainer::fromBundle(args[1], options)->namedWeights();
      const auto second = bmfl::Trainer::fromBundle(args[2], options)->namedWeights();
      const double tolerance = std::stod(args[3]);
      if (first.size() != second.size())
      {
        throw std::runtime_error("the bundles hold different tensors");
      }
      double largest = 0.0;
      for (const auto& [name, values] : first)
      {
        const auto match = second.find(name);
        if (match == second.end() || match->second.size() != values.size())
        {
          throw std::runtime_error("the bundles differ in " + name);
        }
        // An attention's key bias (the middle third of in_proj_bias) shifts every score of a
        // query alike, which softmax ignores: its true gradient is 0, and Adam turns rounding
        // noise in it into steps of about the learning rate, in one process as over ranks.
        const bool keyBias = args.size() == 5 && name.size() >= 12 &&
                             name.compare(name.size() - 12, 12, "in_proj_bias") == 0;
        double difference = 0.0;
        for (std::size_t i = 0; i < values.size(); ++i)
        {
          if (!(keyBias && i >= values.size() / 3 && i < 2 * values.size() / 3))
          {
            difference = std::max(
              difference,
              std::abs(static_cast<double>(values[i]) - static_cast<double>(match->second[i])));
          }
        }
        largest = std::max(largest, difference);
        if (difference > tolerance)
        {
          std::printf("%s differs by %.3g\n", name.c_str(), difference);
        }
      }
      std::printf("max weight difference %.3g\n", largest);
      return largest <= tolerance ? 0 : 1;
    }
  }
  catch (const std::exception& error)
  {
    std::cerr << error.what() << "\n";
    return 1;
  }
  std::cerr << "usage: distributed_probe free-port | make-bundle DIR | train OUT CACHE | "
               "compare A B TOLERANCE [--without-key-biases]\n";
  return 2;
}
