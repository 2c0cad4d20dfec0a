#include "model/StateDictPickle.h"

#include <cstring>
#include <iterator>
#include <map>
#include <memory>
#include <stdexcept>

namespace bmfl
{
namespace detail
{
namespace
{

struct Value;
using ValuePtr = std::shared_ptr<Value>;

/// A pickled object. Containers are shared (held by pointer) because the pickle memo refers to
/// the same object that later opcodes fill in, as in Python.
struct Value
{
  enum class Kind
  {
    None,
    Bool,
    Int,
    Float,
    String,
    Tuple,
    List,
    Dict,
    Global,
    Storage,
    Tensor,
    Object ///< anything else (built by an unknown callable); items[0]: its state dict, if built
  };
  Kind kind = Kind::None;
  std::int64_t integer = 0;
  double real = 0.0;
  std::string text;                                 ///< String; Global "module name"
  std::vector<ValuePtr> items;                      ///< Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> pairs; ///< Dict, in insertion order
  PickledTensor tensor;                             ///< Storage (key, type, count), Tensor
};

ValuePtr make(Value::Kind kind)
{
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

// Drops values without recursion: a hostile pickle can nest containers a million deep, and the
// recursive destructors of nested shared_ptrs would overflow the stack.
void releaseIteratively(std::vector<ValuePtr> work)
{
  while (!work.empty())
  {
    ValuePtr value = std::move(work.back());
    work.pop_back();
    if (value && value.use_count() == 1)
    {
      for (ValuePtr& item : value->items)
      {
        work.push_back(std::move(item));
      }
      for (auto& [key, item] : value->pairs)
      {
        work.push_back(std::move(key));
        work.push_back(std::move(item));
      }
      value->items.clear();
      value->pairs.clear();
    }
  }
}

class Machine
{
public:
  Machine(const char* data, std::size_t size)
    : Data(reinterpret_cast<const unsigned char*>(data))
    , Size(size)
  {
  }
  Machine(const Machine&) = delete;
  Machine& operator=(const Machine&) = delete;

  ~Machine()
  {
    std::vector<ValuePtr> values = std::move(Stack);
    values.insert(values.end(),
                  std::make_move_iterator(Graveyard.begin()),
                  std::make_move_iterator(Graveyard.end()));
    for (auto& entry : Memo)
    {
      values.push_back(std::move(entry.second));
    }
    releaseIteratively(std::move(values));
  }

  ValuePtr run()
  {
    while (true)
    {
      const std::size_t at = Position;
      const unsigned char opcode = byte();
      switch (opcode)
      {
        case 0x80: // PROTO
          byte();
          break;
        case 0x95: // FRAME: the frame length is only a buffering hint
          take(8);
          break;
        case '.': // STOP
          return pop();
        case '(': // MARK
          Marks.push_back(Stack.size());
          break;
        case '0': // POP
          discard(pop());
          break;
        case '1': // POP_MARK
          for (ValuePtr& value : popToMark())
          {
            discard(std::move(value));
          }
          break;
        case '2': // DUP
          push(top());
          break;
        case 'N':
          push(make(Value::Kind::None));
          break;
        case 0x88: // NEWTRUE
        case 0x89: // NEWFALSE
        {
          ValuePtr value = make(Value::Kind::Bool);
          value->integer = opcode == 0x88 ? 1 : 0;
          push(value);
          break;
        }
        case 'J': // BININT
          pushInt(static_cast<std::int32_t>(littleEndian(4)));
          break;
        case 'K': // BININT1
          pushInt(static_cast<std::int64_t>(littleEndian(1)));
          break;
        case 'M': // BININT2
          pushInt(static_cast<std::int64_t>(littleEndian(2)));
          break;
        case 0x8a: // LONG1
        {
          const std::size_t length = byte();
          if (length > 8)
          {
            fail("integer wider than 64 bits", at);
          }
          std::uint64_t raw = littleEndian(length);
          if (length > 0 && length < 8 && (raw >> (8 * length - 1)) != 0)
          {
            raw |= ~std::uint64_t{ 0 } << (8 * length); // sign extension
          }
          pushInt(static_cast<std::int64_t>(raw));
          break;
        }
        case 'G': // BINFLOAT, big-endian
        {
          std::uint64_t raw = 0;
          for (const unsigned char b : take(8))
          {
            raw = (raw << 8) | b;
          }
          ValuePtr value = make(Value::Kind::Float);
          std::memcpy(&value->real, &raw, sizeof raw);
          push(value);
          break;
        }
        case 'X': // BINUNICODE
        case 'B': // BINBYTES
          pushString(littleEndian(4));
          break;
        case 0x8c: // SHORT_BINUNICODE
        case 'C':  // SHORT_BINBYTES
          pushString(byte());
          break;
        case 0x8d: // BINUNICODE8
        case 0x8e: // BINBYTES8
          pushString(littleEndian(8));
          break;
        case 'c': // GLOBAL "module\nname\n"
        {
          const std::string module = line();
          const std::string name = line();
          pushGlobal(module + " " + name);
          break;
        }
        case 0x93: // STACK_GLOBAL
        {
          const ValuePtr name = pop();
          const ValuePtr module = pop();
          if (name->kind != Value::Kind::String || module->kind != Value::Kind::String)
          {
            fail("STACK_GLOBAL without strings", at);
          }
          pushGlobal(module->text + " " + name->text);
          break;
        }
        case 'q': // BINPUT
          remember(static_cast<std::uint32_t>(byte()));
          break;
        case 'r': // LONG_BINPUT
          remember(static_cast<std::uint32_t>(littleEndian(4)));
          break;
        case 0x94: // MEMOIZE
          remember(static_cast<std::uint32_t>(Memo.size()));
          break;
        case 'h': // BINGET
          push(memo(static_cast<std::uint32_t>(byte()), at));
          break;
        case 'j': // LONG_BINGET
          push(memo(static_cast<std::uint32_t>(littleEndian(4)), at));
          break;
        case ')': // EMPTY_TUPLE
          push(make(Value::Kind::Tuple));
          break;
        case 't': // TUPLE
        {
          ValuePtr tuple = make(Value::Kind::Tuple);
          tuple->items = popToMark();
          push(tuple);
          break;
        }
        case 0x85: // TUPLE1
        case 0x86: // TUPLE2
        case 0x87: // TUPLE3
        {
          const std::size_t count = static_cast<std::size_t>(opcode - 0x84);
          if (Stack.size() < count + stackFloor())
          {
            fail("stack underflow", at);
          }
          ValuePtr tuple = make(Value::Kind::Tuple);
          tuple->items.assign(Stack.end() - static_cast<std::ptrdiff_t>(count), Stack.end());
          Stack.resize(Stack.size() - count);
          push(tuple);
          break;
        }
        case ']': // EMPTY_LIST
          push(make(Value::Kind::List));
          break;
        case 'l': // LIST
        {
          ValuePtr list = make(Value::Kind::List);
          list->items = popToMark();
          push(list);
          break;
        }
        case 'a': // APPEND
        {
          const ValuePtr item = pop();
          container(Value::Kind::List, at)->items.push_back(item);
          break;
        }
        case 'e': // APPENDS
        {
          const std::vector<ValuePtr> items = popToMark();
          ValuePtr list = container(Value::Kind::List, at);
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        case '}': // EMPTY_DICT
          push(make(Value::Kind::Dict));
          break;
        case 'd': // DICT
        {
          const std::vector<ValuePtr> items = popToMark();
          ValuePtr dict = make(Value::Kind::Dict);
          addPairs(dict, items, at);
          push(dict);
          break;
        }
        case 's': // SETITEM
        {
          const ValuePtr value = pop();
          const ValuePtr key = pop();
          addPairs(container(Value::Kind::Dict, at), { key, value }, at);
          break;
        }
        case 'u': // SETITEMS
        {
          const std::vector<ValuePtr> items = popToMark();
          addPairs(container(Value::Kind::Dict, at), items, at);
          break;
        }
        case 'Q': // BINPERSID: ("storage", storage type, key, location, element count)
        {
          const ValuePtr id = pop();
          discard(id); // first, so that an exception below cannot destroy it recursively
          push(storage(id, at));
          break;
        }
        case 'R': // REDUCE
        {
          const ValuePtr arguments = pop();
          const ValuePtr callable = pop();
          discard(arguments); // first, so that an exception below cannot destroy it recursively
          discard(callable);
          push(reduce(callable, arguments, at));
          break;
        }
        case 0x81: // NEWOBJ
        {
          discard(pop());
          const ValuePtr type = pop();
          discard(type);
          ValuePtr object = make(Value::Kind::Object);
          object->text = type->text;
          push(object);
          break;
        }
        case 'b': // BUILD: an object's state
        {
          const ValuePtr state = pop();
          discard(state);
          // Kept (shared, not copied) for plain objects, such as the argparse.Namespace of a
          // training checkpoint; not needed for the rest (an OrderedDict's _metadata, ...).
          const ValuePtr& object = top();
          if (object->kind == Value::Kind::Object && state->kind == Value::Kind::Dict)
          {
            for (ValuePtr& previous : object->items)
            {
              discard(std::move(previous));
            }
            object->items.assign(1, state);
          }
          break;
        }
        default:
          fail("unsupported pickle opcode 0x" + hex(opcode), at);
      }
    }
  }

private:
  [[noreturn]] void fail(const std::string& problem, std::size_t at) const
  {
    throw std::runtime_error("state dict pickle: " + problem + " at byte " + std::to_string(at));
  }

  static std::string hex(unsigned char value)
  {
    const char* digits = "0123456789abcdef";
    return { digits[value >> 4], digits[value & 15] };
  }

  unsigned char byte()
  {
    if (Position >= Size)
    {
      fail("unexpected end", Position);
    }
    return Data[Position++];
  }

  std::vector<unsigned char> take(std::size_t count)
  {
    if (count > Size - Position)
    {
      fail("unexpected end", Position);
    }
    std::vector<unsigned char> bytes(Data + Position, Data + Position + count);
    Position += count;
    return bytes;
  }

  std::uint64_t littleEndian(std::size_t count)
  {
    std::uint64_t value = 0;
    const std::vector<unsigned char> bytes = take(count);
    for (std::size_t i = 0; i < count; ++i)
    {
      value |= static_cast<std::uint64_t>(bytes[i]) << (8 * i);
    }
    return value;
  }

  std::string line()
  {
    const void* end = std::memchr(Data + Position, '\n', Size - Position);
    if (end == nullptr)
    {
      fail("unterminated GLOBAL", Position);
    }
    const auto length =
      static_cast<std::size_t>(static_cast<const unsigned char*>(end) - (Data + Position));
    std::string text(reinterpret_cast<const char*>(Data + Position), length);
    Position += length + 1;
    return text;
  }

  // Values dropped while running are kept until the end, then released without recursion.
  void discard(ValuePtr value) { Graveyard.push_back(std::move(value)); }

  void remember(std::uint32_t index)
  {
    ValuePtr& slot = Memo[index];
    discard(std::move(slot));
    slot = top();
  }

  std::size_t stackFloor() const { return Marks.empty() ? 0 : Marks.back(); }

  void push(ValuePtr value) { Stack.push_back(std::move(value)); }

  void pushInt(std::int64_t integer)
  {
    ValuePtr value = make(Value::Kind::Int);
    value->integer = integer;
    push(value);
  }

  void pushString(std::uint64_t length)
  {
    if (length > Size - Position)
    {
      fail("string runs past the end", Position);
    }
    ValuePtr value = make(Value::Kind::String);
    value->text.assign(reinterpret_cast<const char*>(Data + Position),
                       static_cast<std::size_t>(length));
    Position += static_cast<std::size_t>(length);
    push(value);
  }

  void pushGlobal(const std::string& name)
  {
    ValuePtr value = make(Value::Kind::Global);
    value->text = name;
    push(value);
  }

  ValuePtr pop()
  {
    if (Stack.size() <= stackFloor())
    {
      fail("stack underflow", Position);
    }
    ValuePtr value = std::move(Stack.back());
    Stack.pop_back();
    return value;
  }

  const ValuePtr& top() const
  {
    if (Stack.size() <= stackFloor())
    {
      fail("stack underflow", Position);
    }
    return Stack.back();
  }

  std::vector<ValuePtr> popToMark()
  {
    if (Marks.empty())
    {
      fail("no MARK", Position);
    }
    const std::size_t mark = Marks.back();
    Marks.pop_back();
    std::vector<ValuePtr> items(Stack.begin() + static_cast<std::ptrdiff_t>(mark), Stack.end());
    Stack.resize(mark);
    return items;
  }

  ValuePtr memo(std::uint32_t index, std::size_t at) const
  {
    const auto found = Memo.find(index);
    if (found == Memo.end())
    {
      fail("memo entry " + std::to_string(index) + " read before it was written", at);
    }
    return found->second;
  }

  ValuePtr container(Value::Kind kind, std::size_t at) const
  {
    const ValuePtr& value = top();
    // An unknown object (e.g. a collection this reader does not model) absorbs its items.
    if (value->kind != kind && value->kind != Value::Kind::Object)
    {
      fail("items added to a value that is not a container", at);
    }
    return value;
  }

  void addPairs(const ValuePtr& dict, const std::vector<ValuePtr>& items, std::size_t at) const
  {
    if (items.size() % 2 != 0)
    {
      fail("odd number of dict items", at);
    }
    for (std::size_t i = 0; i < items.size(); i += 2)
    {
      dict->pairs.emplace_back(items[i], items[i + 1]);
    }
  }

  static const std::vector<ValuePtr>& tupleItems(const ValuePtr& value)
  {
    static const std::vector<ValuePtr> none;
    return value->kind == Value::Kind::Tuple || value->kind == Value::Kind::List ? value->items
                                                                                 : none;
  }

  std::vector<std::int64_t> integers(const ValuePtr& value, std::size_t at) const
  {
    std::vector<std::int64_t> result;
    if (value->kind != Value::Kind::Tuple && value->kind != Value::Kind::List)
    {
      fail("tensor size or stride is not a tuple", at);
    }
    for (const ValuePtr& item : value->items)
    {
      if (item->kind != Value::Kind::Int || item->integer < 0)
      {
        fail("tensor size or stride is not a non-negative integer", at);
      }
      result.push_back(item->integer);
    }
    return result;
  }

  ValuePtr storage(const ValuePtr& id, std::size_t at) const
  {
    const std::vector<ValuePtr>& fields = tupleItems(id);
    if (fields.size() < 5 || fields[0]->kind != Value::Kind::String ||
        fields[0]->text != "storage" || fields[1]->kind != Value::Kind::Global ||
        fields[2]->kind != Value::Kind::String || fields[4]->kind != Value::Kind::Int ||
        fields[4]->integer < 0)
    {
      fail("persistent id is not a tensor storage", at);
    }
    ValuePtr value = make(Value::Kind::Storage);
    const std::string& type = fields[1]->text;
    value->tensor.storageType = type.substr(type.find(' ') + 1);
    value->tensor.storageKey = fields[2]->text;
    value->tensor.storageElements = fields[4]->integer;
    return value;
  }

  ValuePtr reduce(const ValuePtr& callable, const ValuePtr& arguments, std::size_t at) const
  {
    const std::vector<ValuePtr>& args = tupleItems(arguments);
    const std::string name = callable->kind == Value::Kind::Global ? callable->text : std::string();
    if (name == "collections OrderedDict" || name == "builtins dict")
    {
      return make(Value::Kind::Dict);
    }
    if (name == "torch.jit._pickle restore_type_tag" && !args.empty())
    {
      return args[0]; // LibTorch's pickler tags typed containers (torch::pickle_save)
    }
    if (name == "torch._utils _rebuild_tensor_v2" || name == "torch._utils _rebuild_tensor")
    {
      if (args.size() < 4 || args[0]->kind != Value::Kind::Storage ||
          args[1]->kind != Value::Kind::Int)
      {
        fail("malformed tensor", at);
      }
      ValuePtr tensor = make(Value::Kind::Tensor);
      tensor->tensor = args[0]->tensor;
      tensor->tensor.storageOffset = args[1]->integer;
      tensor->tensor.sizes = integers(args[2], at);
      tensor->tensor.strides = integers(args[3], at);
      if (tensor->tensor.sizes.size() != tensor->tensor.strides.size() || args[1]->integer < 0)
      {
        fail("tensor sizes and strides disagree", at);
      }
      return tensor;
    }
    if (name == "torch._utils _rebuild_parameter" ||
        name == "torch._utils _rebuild_parameter_with_state")
    {
      if (args.empty() || args[0]->kind != Value::Kind::Tensor)
      {
        fail("malformed parameter", at);
      }
      return args[0];
    }
    ValuePtr object = make(Value::Kind::Object);
    object->text = name;
    return object;
  }

  const unsigned char* Data;
  std::size_t Size;
  std::size_t Position = 0;
  std::vector<ValuePtr> Stack;
  std::vector<std::size_t> Marks;
  std::map<std::uint32_t, ValuePtr> Memo;
  std::vector<ValuePtr> Graveyard;
};

const Value* findKey(const Value& dict, const std::string& key)
{
  for (const auto& [name, value] : dict.pairs)
  {
    if (name->kind == Value::Kind::String && name->text == key)
    {
      return value.get();
    }
  }
  return nullptr;
}

PickledScalar scalarOf(const Value& value)
{
  PickledScalar scalar;
  switch (value.kind)
  {
    case Value::Kind::None:
      scalar.kind = PickledScalar::Kind::None;
      break;
    case Value::Kind::Bool:
      scalar.kind = PickledScalar::Kind::Bool;
      scalar.integer = value.integer;
      break;
    case Value::Kind::Int:
      scalar.kind = PickledScalar::Kind::Int;
      scalar.integer = value.integer;
      break;
    case Value::Kind::Float:
      scalar.kind = PickledScalar::Kind::Float;
      scalar.real = value.real;
      break;
    case Value::Kind::String:
      scalar.kind = PickledScalar::Kind::String;
      scalar.text = value.text;
      break;
    default:
      break;
  }
  return scalar;
}

std::uint64_t readLittleEndian(const char* data,
                               std::size_t size,
                               std::uint64_t at,
                               std::size_t width)
{
  if (at > size || width > size - at)
  {
    throw std::runtime_error("zip directory points past the end of the file");
  }
  std::uint64_t value = 0;
  for (std::size_t i = 0; i < width; ++i)
  {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
  }
  return value;
}

} // namespace

std::map<std::string, ZipEntry> readZipDirectory(const char* data, std::size_t size)
{
  const auto field = [&](std::uint64_t at, std::size_t width)
  { return readLittleEndian(data, size, at, width); };
  // The end-of-central-directory record sits in the last 22 + 65535 (comment) bytes.
  constexpr std::size_t endRecordSize = 22;
  if (size < endRecordSize)
  {
    throw std::runtime_error("too short for a zip archive");
  }
  std::size_t end = size - endRecordSize;
  const std::size_t lowest = size > endRecordSize + 65535 ? size - endRecordSize - 65535 : 0;
  while (field(end, 4) != 0x06054b50)
  {
    if (end == lowest)
    {
      throw std::runtime_error("no zip end-of-directory record (truncated file?)");
    }
    --end;
  }
  std::uint64_t entries = field(end + 10, 2);
  std::uint64_t directorySize = field(end + 12, 4);
  std::uint64_t directoryOffset = field(end + 16, 4);
  if (entries == 0xffff || directorySize == 0xffffffff || directoryOffset == 0xffffffff)
  {
    // zip64: the locator just before the end record gives the zip64 end record.
    if (end < 20 || field(end - 20, 4) != 0x07064b50)
    {
      throw std::runtime_error("zip64 archive without its locator");
    }
    const std::uint64_t zip64End = field(end - 20 + 8, 8);
    if (field(zip64End, 4) != 0x06064b50)
    {
      throw std::runtime_error("zip64 end record missing");
    }
    entries = field(zip64End + 32, 8);
    directorySize = field(zip64End + 40, 8);
    directoryOffset = field(zip64End + 48, 8);
  }
  if (directoryOffset > size || directorySize > size - directoryOffset)
  {
    throw std::runtime_error("zip directory lies outside the file");
  }
  std::map<std::string, ZipEntry> directory;
  std::uint64_t at = directoryOffset;
  for (std::uint64_t i = 0; i < entries; ++i)
  {
    if (field(at, 4) != 0x02014b50)
    {
      throw std::runtime_error("damaged zip directory entry");
    }
    ZipEntry entry;
    entry.compression = static_cast<std::uint16_t>(field(at + 10, 2));
    entry.size = field(at + 24, 4);
    const std::uint64_t nameLength = field(at + 28, 2);
    const std::uint64_t extraLength = field(at + 30, 2);
    const std::uint64_t commentLength = field(at + 32, 2);
    field(at + 46, static_cast<std::size_t>(nameLength)); // bounds check of the name
    std::string name(data + at + 46, static_cast<std::size_t>(nameLength));
    if (entry.size == 0xffffffff)
    {
      // The zip64 extra field (id 1) holds the 64-bit sizes; the uncompressed size comes first.
      std::uint64_t extra = at + 46 + nameLength;
      const std::uint64_t extraEnd = extra + extraLength;
      while (extra + 4 <= extraEnd)
      {
        const std::uint64_t id = field(extra, 2);
        const std::uint64_t length = field(extra + 2, 2);
        if (id == 1 && length >= 8)
        {
          entry.size = field(extra + 4, 8);
          break;
        }
        extra += 4 + length;
      }
    }
    directory[name] = entry;
    at += 46 + nameLength + extraLength + commentLength;
  }
  return directory;
}

PickledStateDict parseStateDictPickle(const char* data, std::size_t size)
{
  ValuePtr root = Machine(data, size).run();
  // Released without recursion however the parse ends.
  struct Release
  {
    ValuePtr& value;
    ~Release() { releaseIteratively({ std::move(value) }); }
  } release{ root };
  if (root->kind != Value::Kind::Dict)
  {
    throw std::runtime_error("the checkpoint does not hold a state dict (a dict of tensors)");
  }
  const Value* dict = root.get();
  for (const char* wrapper : { "teacher", "model", "state_dict" })
  {
    const Value* inner = findKey(*root, wrapper);
    if (inner != nullptr && inner->kind == Value::Kind::Dict)
    {
      dict = inner;
      break;
    }
  }
  PickledStateDict result;
  const Value* arguments = dict != root.get() ? findKey(*root, "args") : nullptr;
  if (arguments != nullptr && arguments->kind == Value::Kind::Object &&
      arguments->text == "argparse Namespace" && arguments->items.size() == 1 &&
      arguments->items[0]->kind == Value::Kind::Dict)
  {
    for (const auto& [name, value] : arguments->items[0]->pairs)
    {
      if (name->kind == Value::Kind::String)
      {
        result.arguments.emplace_back(name->text, scalarOf(*value));
      }
    }
  }
  for (const auto& [key, value] : dict->pairs)
  {
    if (key->kind != Value::Kind::String)
    {
      throw std::runtime_error("the checkpoint has a key that is not a string: not a state dict");
    }
    if (value->kind == Value::Kind::Tensor)
    {
      result.tensors.emplace_back(key->text, value->tensor);
    }
    else
    {
      result.otherKeys.push_back(key->text);
    }
  }
  return result;
}

} // namespace detail
} // namespace bmfl
