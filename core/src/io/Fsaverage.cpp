#include "bmfl/Fsaverage.h"

#include "bmfl/FileError.h"
#include "bmfl/Resources.h"

#include <filesystem>
#include <optional>
#include <system_error>

namespace bmfl
{

namespace fs = std::filesystem;

namespace
{

/// Surface names in nilearn's file names (infl_left.gii.gz ...).
const char* nilearnName(SurfaceKind kind)
{
  return kind == SurfaceKind::Inflated ? "infl" : surfaceKindName(kind);
}

bool isFile(const fs::path& path)
{
  std::error_code error;
  return fs::is_regular_file(path, error);
}

/// nilearn ships its template gzipped; an uncompressed copy serves as well.
std::optional<fs::path> findNilearnFile(const fs::path& folder, const std::string& stem)
{
  for (const char* extension : { ".gii.gz", ".gii" })
  {
    const fs::path candidate = folder / (stem + extension);
    if (isFile(candidate))
    {
      return candidate;
    }
  }
  return std::nullopt;
}

struct HemisphereFiles
{
  fs::path mesh;
  fs::path sulc;
};

struct TemplateFiles
{
  HemisphereFiles left;
  HemisphereFiles right;
};

std::optional<TemplateFiles> nilearnFiles(const fs::path& folder, SurfaceKind kind)
{
  const std::string surface = nilearnName(kind);
  if (!findNilearnFile(folder, surface + "_left") && !findNilearnFile(folder, "sulc_left"))
  {
    return std::nullopt;
  }
  // A missing file is named with the usual extension, so that the reader's error says what to add.
  const auto file = [&](const std::string& stem)
  { return findNilearnFile(folder, stem).value_or(folder / (stem + ".gii.gz")); };
  return TemplateFiles{ { file(surface + "_left"), file("sulc_left") },
                        { file(surface + "_right"), file("sulc_right") } };
}

std::optional<TemplateFiles> freeSurferFiles(const fs::path& surfFolder, SurfaceKind kind)
{
  const std::string surface = surfaceKindName(kind);
  if (!isFile(surfFolder / ("lh." + surface)) && !isFile(surfFolder / "lh.sulc"))
  {
    return std::nullopt;
  }
  if (kind == SurfaceKind::Flat)
  {
    throw FileError((surfFolder / "lh.full.flat.patch.3d").string(),
                    "FreeSurfer flat patches are not read; give a folder with nilearn's "
                    "flat_left.gii.gz and flat_right.gii.gz");
  }
  return TemplateFiles{ { surfFolder / ("lh." + surface), surfFolder / "lh.sulc" },
                        { surfFolder / ("rh." + surface), surfFolder / "rh.sulc" } };
}

HemisphereSurface loadHemisphere(Hemisphere hemisphere, const HemisphereFiles& files)
{
  HemisphereSurface surface;
  surface.hemisphere = hemisphere;
  surface.mesh = readSurface(files.mesh.string());
  surface.sulc = readVertexMap(files.sulc.string());
  if (surface.sulc.vertexCount != surface.mesh.vertexCount())
  {
    throw FileError(files.sulc.string(),
                    "has " + std::to_string(surface.sulc.vertexCount) +
                      " values per frame but the mesh " + files.mesh.string() + " has " +
                      std::to_string(surface.mesh.vertexCount()) + " vertices");
  }
  return surface;
}

/// The absolute, normalised folder without a trailing separator, so that its file name is the
/// folder's own name also for "fsaverage/" or ".".
fs::path normalFolder(const fs::path& folder)
{
  std::error_code error;
  const fs::path absolute = fs::absolute(folder, error);
  const fs::path normal = (error ? folder : absolute).lexically_normal();
  return normal.has_filename() ? normal : normal.parent_path();
}

} // namespace

const char* surfaceKindName(SurfaceKind kind)
{
  switch (kind)
  {
    case SurfaceKind::Pial:
      return "pial";
    case SurfaceKind::White:
      return "white";
    case SurfaceKind::Inflated:
      return "inflated";
    case SurfaceKind::Sphere:
      return "sphere";
    case SurfaceKind::Flat:
      return "flat";
  }
  return "unknown";
}

CorticalSurface loadTemplateSurface(const std::string& folder, SurfaceKind kind)
{
  const fs::path root(folder);
  std::error_code error;
  if (!fs::is_directory(root, error))
  {
    throw FileError(folder, fs::exists(root, error) ? "not a folder" : "folder not found");
  }

  const fs::path named = normalFolder(root);
  CorticalSurface surface;
  surface.kind = kind;
  surface.templateName = named.filename().string();
  std::optional<TemplateFiles> files = nilearnFiles(root, kind);
  if (!files)
  {
    const bool hasSurfFolder = fs::is_directory(root / "surf", error);
    files = freeSurferFiles(hasSurfFolder ? root / "surf" : root, kind);
    // Given a subject's surf/ folder itself, the template is named after the subject.
    if (files && !hasSurfFolder && named.filename() == "surf")
    {
      surface.templateName = named.parent_path().filename().string();
    }
  }
  if (!files)
  {
    throw FileError(folder,
                    std::string("no fsaverage-style surfaces found (expected ") +
                      nilearnName(kind) + "_left.gii.gz ... or surf/lh." + surfaceKindName(kind) +
                      " ...)");
  }
  surface.left = loadHemisphere(Hemisphere::Left, files->left);
  surface.right = loadHemisphere(Hemisphere::Right, files->right);
  return surface;
}

CorticalSurface loadBundledFsaverage5(SurfaceKind kind)
{
  CorticalSurface surface = loadTemplateSurface(resourceDirectory() + "/fsaverage5", kind);
  surface.templateName = "fsaverage5";
  return surface;
}

} // namespace bmfl
