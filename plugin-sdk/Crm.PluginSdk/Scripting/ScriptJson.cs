using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Jint;
using Jint.Native;
using Jint.Native.Json;
using Jint.Native.Object;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// The one crossing between the script's values and the host's: JSON both ways. Going out, it
/// reads own data properties only and calls nothing of the script's (no getter, no
/// <c>toJSON</c>, no proxy trap), so converting a result after the run cannot run more code.
/// </summary>
internal static class ScriptJson
{
    /// <summary>Nesting a value going out may have (the host's JSON reader's own default).</summary>
    public const int MaxDepth = 64;

    public static JsValue ToScript(Engine engine, JsonNode? node) =>
        node is null ? JsValue.Null : new JsonParser(engine).Parse(node.ToJsonString());

    /// <summary>
    /// The value as JSON, following <c>JSON.stringify</c> where it is safe (functions and
    /// <c>undefined</c> are left out of objects and become null in arrays, dates become ISO
    /// text, NaN and infinities null). Throws <see cref="ScriptDataException"/> for what is not
    /// data, and <see cref="ScriptLimitException"/> when the JSON passes <paramref name="maxBytes"/>.
    /// </summary>
    public static JsonNode? FromScript(JsValue value, int maxBytes, string limitSetting, string limitMessage)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            new Walk(writer, maxBytes, limitSetting, limitMessage).Write(IsOmitted(value) ? JsValue.Null : value, 0);
        }

        return JsonNode.Parse(buffer.WrittenSpan);
    }

    /// <summary>What a value is, for messages (<c>Map</c>, <c>Proxy</c>, <c>Symbol</c>), never by calling it.</summary>
    public static string KindOf(JsValue value) =>
        value.IsCallable() ? "function" : value is ObjectInstance ? value.GetType().Name.Replace("Js", "", StringComparison.Ordinal) : value.Type.ToString();

    private static bool IsOmitted(JsValue value) => value.IsUndefined() || value.IsSymbol() || value.IsCallable();

    private sealed class Walk(Utf8JsonWriter writer, int maxBytes, string limitSetting, string limitMessage)
    {
        // The objects on the path from the root: one met again is a cycle. A value shared
        // without a cycle is written each time, as JSON.stringify does; the byte cap bounds it.
        private readonly HashSet<ObjectInstance> path = new(ReferenceEqualityComparer.Instance);

        public void Write(JsValue value, int depth)
        {
            switch (value)
            {
                case JsNull or JsUndefined:
                    writer.WriteNullValue();
                    break;
                case JsBoolean:
                    writer.WriteBooleanValue(value.AsBoolean());
                    break;
                case JsNumber:
                    WriteNumber(value.AsNumber());
                    break;
                case JsString:
                    var text = value.AsString();
                    EnsureRoom(text.Length);
                    writer.WriteStringValue(text);
                    break;
                case JsBigInt:
                    throw new ScriptDataException("A BigInt is not JSON data.");
                case JsDate date:
                    WriteDate(date);
                    break;
                case JsArray array:
                    Enter(array, depth);
                    writer.WriteStartArray();
                    for (uint i = 0; i < array.Length; i++)
                    {
                        var item = DataValue(array, JsNumber.Create(i), $"[{i}]");
                        Write(item is null || IsOmitted(item) ? JsValue.Null : item, depth + 1);
                    }

                    writer.WriteEndArray();
                    path.Remove(array);
                    break;
                case JsObject obj:
                    Enter(obj, depth);
                    writer.WriteStartObject();
                    foreach (var (key, descriptor) in obj.GetOwnProperties())
                    {
                        if (!key.IsString() || !descriptor.Enumerable)
                        {
                            continue;
                        }

                        var name = key.AsString();
                        var item = DataValue(obj, key, name);
                        if (item is null || IsOmitted(item))
                        {
                            continue;
                        }

                        EnsureRoom(name.Length);
                        writer.WritePropertyName(name);
                        Write(item, depth + 1);
                    }

                    writer.WriteEndObject();
                    path.Remove(obj);
                    break;
                default:
                    throw new ScriptDataException(value.IsCallable()
                        ? "A function is not JSON data."
                        : $"A {KindOf(value)} is not JSON data: use plain objects, arrays, strings, numbers, booleans and null.");
            }

            EnsureRoom(0);
        }

        private static JsValue? DataValue(ObjectInstance owner, JsValue key, string name)
        {
            var descriptor = owner.GetOwnProperty(key);
            if (descriptor.IsAccessorDescriptor())
            {
                throw new ScriptDataException($"'{name}' is a getter or setter, not JSON data.");
            }

            return descriptor == Jint.Runtime.Descriptors.PropertyDescriptor.Undefined ? null : descriptor.Value;
        }

        private void Enter(ObjectInstance value, int depth)
        {
            if (depth >= MaxDepth)
            {
                throw new ScriptDataException($"The value nests deeper than {MaxDepth} levels.");
            }

            if (!path.Add(value))
            {
                throw new ScriptDataException("The value contains itself (a cycle).");
            }
        }

        private void WriteNumber(double number)
        {
            if (!double.IsFinite(number))
            {
                writer.WriteNullValue();
            }
            else if (number == Math.Floor(number) && Math.Abs(number) < 9_007_199_254_740_992d)
            {
                // Whole numbers stay whole (42, not 42.0), as the host's readers expect of ids.
                writer.WriteNumberValue((long)number);
            }
            else
            {
                writer.WriteNumberValue(number);
            }
        }

        private void WriteDate(JsDate date)
        {
            DateTime? time;
            try
            {
                time = date.ToObject() as DateTime?;
            }
            catch (Jint.Runtime.JavaScriptException)
            {
                // An invalid date (new Date('x')) has no instant; JSON.stringify writes null for it.
                time = null;
            }

            if (time is { } instant)
            {
                writer.WriteStringValue(ScriptClock.Format(new DateTimeOffset(instant.Kind == DateTimeKind.Local ? instant.ToUniversalTime() : DateTime.SpecifyKind(instant, DateTimeKind.Utc))));
            }
            else
            {
                writer.WriteNullValue();
            }
        }

        private void EnsureRoom(int more)
        {
            if (writer.BytesCommitted + writer.BytesPending + more > maxBytes)
            {
                throw new ScriptLimitException(limitSetting, string.Format(CultureInfo.InvariantCulture, limitMessage, maxBytes));
            }
        }
    }
}

/// <summary>A value that is not JSON data where JSON data is wanted.</summary>
internal sealed class ScriptDataException(string message) : Exception(message);
