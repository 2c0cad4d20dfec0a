#include "Session.h"

#include "bmfl/AtomicFile.h"
#include "bmfl/FileError.h"
#include "bmfl/Json.h"

#include <fstream>
#include <initializer_list>
#include <string>

namespace bmfl
{

namespace
{

constexpr const char* kFormatName = "bmfl-workbench-session";
constexpr std::size_t kMaxBytes = std::size_t{ 1 } << 20;

JsonValue text(const QString& value)
{
  return JsonValue(value.toStdString());
}

const char* expectedName(JsonValue::Type type)
{
  switch (type)
  {
    case JsonValue::Type::Bool:
      return "true or false";
    case JsonValue::Type::Integer:
      return "an integer";
    case JsonValue::Type::Real:
      return "a number";
    case JsonValue::Type::String:
      return "a string";
    case JsonValue::Type::Array:
      return "an array";
    case JsonValue::Type::Object:
      return "an object";
    default:
      return "another type";
  }
}

// Reads the members of one object, each checked for its type; every problem names the field.
class FieldReader
{
public:
  FieldReader(const JsonValue& object, std::string path, const std::string& source)
    : Object(object)
    , Path(std::move(path))
    , Source(source)
  {
    if (!Object.isObject())
    {
      fail(Path.empty() ? "the session is not a JSON object" : Path + " is not an object");
    }
  }

  [[noreturn]] void fail(const std::string& problem) const { throw FileError(Source, problem); }

  std::string name(const std::string& key) const { return Path.empty() ? key : Path + "." + key; }

  const JsonValue* optional(const std::string& key, JsonValue::Type type) const
  {
    const JsonValue* value = Object.find(key);
    if (value == nullptr || value->isNull())
    {
      return nullptr;
    }
    const bool matches = type == JsonValue::Type::Real ? value->isNumber() : value->type() == type;
    if (!matches)
    {
      fail(name(key) + " is " + value->typeName() + ", expected " + expectedName(type));
    }
    return value;
  }

  QString string(const std::string& key, const QString& fallback) const
  {
    const JsonValue* value = optional(key, JsonValue::Type::String);
    return value ? QString::fromStdString(value->asString()) : fallback;
  }

  QString oneOf(const std::string& key,
                const QString& fallback,
                std::initializer_list<const char*> allowed) const
  {
    const QString value = string(key, fallback);
    std::string list;
    for (const char* candidate : allowed)
    {
      if (value == QLatin1String(candidate))
      {
        return value;
      }
      list += (list.empty() ? "" : ", ") + std::string(candidate);
    }
    fail(name(key) + " is '" + value.toStdString() + "', expected one of " + list);
  }

  std::optional<double> number(const std::string& key) const
  {
    const JsonValue* value = optional(key, JsonValue::Type::Real);
    if (!value)
    {
      return std::nullopt;
    }
    return value->asNumber();
  }

  std::int64_t integer(const std::string& key, std::int64_t fallback, std::int64_t minimum) const
  {
    const JsonValue* value = optional(key, JsonValue::Type::Integer);
    if (value && value->asInteger() < minimum)
    {
      fail(name(key) + " is " + std::to_string(value->asInteger()) + ", expected at least " +
           std::to_string(minimum));
    }
    return value ? value->asInteger() : fallback;
  }

  QByteArray base64(const std::string& key) const
  {
    const QString encoded = string(key, QString());
    const auto decoded =
      QByteArray::fromBase64Encoding(encoded.toLatin1(), QByteArray::AbortOnBase64DecodingErrors);
    if (!decoded)
    {
      fail(name(key) + " is not base64");
    }
    return *decoded;
  }

private:
  const JsonValue& Object;
  std::string Path;
  const std::string& Source;
};

} // namespace

bool OverlaySettings::operator==(const OverlaySettings& other) const
{
  return mode == other.mode && colormap == other.colormap && threshold == other.threshold &&
         rangeMinimum == other.rangeMinimum && rangeMaximum == other.rangeMaximum &&
         symmetric == other.symmetric && opacity == other.opacity;
}

bool SessionSelection::operator==(const SessionSelection& other) const
{
  return dataset == other.dataset && item == other.item && file == other.file;
}

bool WorkbenchSession::operator==(const WorkbenchSession& other) const
{
  return modelDir == other.modelDir && datasets == other.datasets && selection == other.selection &&
         templateFolder == other.templateFolder && surfaceKind == other.surfaceKind &&
         viewPreset == other.viewPreset && roiBorders == other.roiBorders &&
         overlay == other.overlay && language == other.language &&
         windowGeometry == other.windowGeometry && windowState == other.windowState;
}

std::string sessionToJson(const WorkbenchSession& session)
{
  JsonValue root = JsonValue::object();
  root.set("format", kFormatName);
  root.set("version", WorkbenchSession::kFormatVersion);
  root.set("model", text(session.modelDir));
  JsonValue datasets = JsonValue::array();
  for (const QString& spec : session.datasets)
  {
    datasets.push(text(spec));
  }
  root.set("datasets", std::move(datasets));
  JsonValue selection = JsonValue::object();
  if (session.selection.dataset >= 0)
  {
    selection.set("dataset", session.selection.dataset);
    selection.set("item", static_cast<std::uint64_t>(session.selection.item));
  }
  else if (!session.selection.file.isEmpty())
  {
    selection.set("file", text(session.selection.file));
  }
  root.set("selection", std::move(selection));
  JsonValue view = JsonValue::object();
  view.set("template", text(session.templateFolder));
  view.set("surface", text(session.surfaceKind));
  view.set("preset", text(session.viewPreset));
  view.set("roiBorders", text(session.roiBorders));
  root.set("view", std::move(view));
  JsonValue overlay = JsonValue::object();
  overlay.set("mode", text(session.overlay.mode));
  overlay.set("colormap", text(session.overlay.colormap));
  overlay.set("threshold", session.overlay.threshold);
  if (session.overlay.rangeMinimum && session.overlay.rangeMaximum)
  {
    overlay.set("rangeMinimum", *session.overlay.rangeMinimum);
    overlay.set("rangeMaximum", *session.overlay.rangeMaximum);
  }
  overlay.set("symmetric", session.overlay.symmetric);
  overlay.set("opacity", session.overlay.opacity);
  root.set("overlay", std::move(overlay));
  root.set("language", text(session.language));
  JsonValue window = JsonValue::object();
  window.set("geometry", session.windowGeometry.toBase64().toStdString());
  window.set("state", session.windowState.toBase64().toStdString());
  root.set("window", std::move(window));
  return writeJson(root) + "\n";
}

WorkbenchSession sessionFromJson(const std::string& jsonText, const std::string& sourceName)
{
  JsonLimits limits;
  limits.maxBytes = kMaxBytes;
  limits.maxDepth = 8;
  const JsonValue root = parseJson(jsonText, sourceName, limits);
  const FieldReader top(root, "", sourceName);
  if (top.string("format", QString()) != QLatin1String(kFormatName))
  {
    top.fail(std::string("not a workbench session (\"format\" is not \"") + kFormatName + "\")");
  }
  const std::int64_t version = top.integer("version", 0, 1);
  if (version == 0)
  {
    top.fail("\"version\" is missing");
  }
  if (version > WorkbenchSession::kFormatVersion)
  {
    top.fail("session format version " + std::to_string(version) + " is newer than this " +
             "workbench reads (" + std::to_string(WorkbenchSession::kFormatVersion) + ")");
  }

  WorkbenchSession session;
  session.modelDir = top.string("model", QString());
  if (const JsonValue* datasets = top.optional("datasets", JsonValue::Type::Array))
  {
    for (std::size_t i = 0; i < datasets->asArray().size(); ++i)
    {
      const JsonValue& spec = datasets->asArray()[i];
      if (!spec.isString())
      {
        top.fail("datasets[" + std::to_string(i) + "] is " + spec.typeName() +
                 ", expected a string");
      }
      session.datasets << QString::fromStdString(spec.asString());
    }
  }
  if (const JsonValue* selection = top.optional("selection", JsonValue::Type::Object))
  {
    const FieldReader reader(*selection, "selection", sourceName);
    const std::int64_t dataset = reader.integer("dataset", -1, 0);
    if (dataset >= session.datasets.size())
    {
      reader.fail("selection.dataset is " + std::to_string(dataset) + " but " +
                  std::to_string(session.datasets.size()) + " dataset(s) are listed");
    }
    session.selection.dataset = static_cast<int>(dataset);
    session.selection.item = static_cast<qulonglong>(reader.integer("item", 0, 0));
    session.selection.file = reader.string("file", QString());
  }
  if (const JsonValue* view = top.optional("view", JsonValue::Type::Object))
  {
    const FieldReader reader(*view, "view", sourceName);
    session.templateFolder = reader.string("template", QString());
    session.surfaceKind = reader.oneOf(
      "surface", session.surfaceKind, { "inflated", "pial", "white", "sphere", "flat" });
    session.viewPreset =
      reader.oneOf("preset",
                   session.viewPreset,
                   { "lateral", "medial", "dorsal", "ventral", "anterior", "posterior" });
    session.roiBorders = reader.string("roiBorders", QString());
  }
  if (const JsonValue* overlay = top.optional("overlay", JsonValue::Type::Object))
  {
    const FieldReader reader(*overlay, "overlay", sourceName);
    session.overlay.mode =
      reader.oneOf("mode", session.overlay.mode, { "predicted-fmri", "attention", "none" });
    session.overlay.colormap =
      reader.oneOf("colormap", session.overlay.colormap, { "auto", "diverging", "sequential" });
    session.overlay.threshold = reader.number("threshold").value_or(0.0);
    if (session.overlay.threshold < 0.0)
    {
      reader.fail("overlay.threshold is negative");
    }
    session.overlay.rangeMinimum = reader.number("rangeMinimum");
    session.overlay.rangeMaximum = reader.number("rangeMaximum");
    if (session.overlay.rangeMinimum.has_value() != session.overlay.rangeMaximum.has_value())
    {
      reader.fail("overlay.rangeMinimum and overlay.rangeMaximum go together");
    }
    if (session.overlay.rangeMinimum &&
        !(*session.overlay.rangeMinimum < *session.overlay.rangeMaximum))
    {
      reader.fail("overlay.rangeMinimum is not below overlay.rangeMaximum");
    }
    if (const JsonValue* symmetric = reader.optional("symmetric", JsonValue::Type::Bool))
    {
      session.overlay.symmetric = symmetric->asBool();
    }
    session.overlay.opacity = reader.number("opacity").value_or(1.0);
    if (!(session.overlay.opacity >= 0.0 && session.overlay.opacity <= 1.0))
    {
      reader.fail("overlay.opacity is not between 0 and 1");
    }
  }
  session.language = top.string("language", QString());
  if (const JsonValue* window = top.optional("window", JsonValue::Type::Object))
  {
    const FieldReader reader(*window, "window", sourceName);
    session.windowGeometry = reader.base64("geometry");
    session.windowState = reader.base64("state");
  }
  return session;
}

WorkbenchSession readSessionFile(const QString& path)
{
  const std::string file = path.toStdString();
  requireRegularFile(file, "a workbench session");
  std::ifstream stream(file, std::ios::binary);
  if (!stream)
  {
    throw FileError(file, "cannot be opened for reading");
  }
  std::string content;
  char buffer[65536];
  while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0)
  {
    content.append(buffer, static_cast<std::size_t>(stream.gcount()));
    if (content.size() > kMaxBytes)
    {
      throw FileError(file, "is larger than 1 MiB: not a workbench session");
    }
  }
  return sessionFromJson(content, file);
}

void writeSessionFile(const QString& path, const WorkbenchSession& session)
{
  writeTextFileAtomically(path.toStdString(), sessionToJson(session));
}

} // namespace bmfl
