using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace Crm.PluginSdk.Scripting;

/// <summary>
/// Jint checks memory between statements, so one built-in call could build a string of
/// gigabytes before any check (<c>'x'.repeat(1e9)</c>, a join of ten thousand long strings, a
/// replacement repeated at every match, <c>JSON.stringify</c> of one value shared a million
/// times) and take the host down with it. These wrappers bound what such a call builds, in
/// characters, before or while it builds it; the binary data types, which allocate their whole
/// size at once and which no admin script needs, are removed.
/// </summary>
internal sealed class BuiltInGuards(Engine engine, long maxCharacters, int maxArrayLength)
{
    private static readonly string[] BinaryData =
    [
        "ArrayBuffer", "SharedArrayBuffer", "DataView", "Atomics", "Int8Array", "Uint8Array", "Uint8ClampedArray",
        "Int16Array", "Uint16Array", "Int32Array", "Uint32Array", "Float16Array", "Float32Array", "Float64Array",
        "BigInt64Array", "BigUint64Array",
    ];

    private readonly HashSet<ObjectInstance> joining = new(ReferenceEqualityComparer.Instance);

    // What the guarded calls built in this run, in characters: text made and dropped inside one
    // call (the parts of nested joins) is allocated too, and Jint never sees it.
    private long built;

    public void Install()
    {
        foreach (var name in BinaryData)
        {
            engine.Global.RemoveOwnProperty(name);
        }

        var strings = Prototype("String");
        Wrap(strings, "repeat", 1, Repeat);
        Wrap(strings, "padStart", 1, Pad);
        Wrap(strings, "padEnd", 1, Pad);
        Wrap(strings, "concat", 1, (_, self, args) => Concat(self, args));
        Wrap(strings, "replace", 2, (original, self, args) => Replace(original, self, args, all: false));
        Wrap(strings, "replaceAll", 2, (original, self, args) => Replace(original, self, args, all: true));
        var arrays = Prototype("Array");
        Wrap(arrays, "join", 1, (original, self, args) => Join(original, self, args.Length > 0 && !args[0].IsUndefined() ? TypeConverter.ToString(args[0]) : ",", locale: false));
        Wrap(arrays, "toLocaleString", 0, (original, self, _) => Join(original, self, ",", locale: true));
        Wrap(engine.GetValue("JSON").AsObject(), "stringify", 3, Stringify);
    }

    private ObjectInstance Prototype(string constructor) => engine.GetValue(constructor).AsObject().Get("prototype").AsObject();

    private void Wrap(ObjectInstance owner, string name, int length, Func<JsValue, JsValue, JsValue[], JsValue> body)
    {
        var original = owner.Get(name);
        var guarded = new ClrFunction(engine, name, (self, args) => body(original, self, args), length);
        owner.DefineOwnProperty(name, new PropertyDescriptor(guarded, writable: true, enumerable: false, configurable: true));
    }

    private JsValue Repeat(JsValue original, JsValue self, JsValue[] args)
    {
        if (self.IsNull() || self.IsUndefined())
        {
            return engine.Call(original, self, args);
        }

        var text = TypeConverter.ToString(self);
        var count = TypeConverter.ToIntegerOrInfinity(Arg(args, 0));
        if (count > 0)
        {
            Charge(text.Length * count);
        }

        return engine.Call(original, text, [JsNumber.Create(count)]);
    }

    private JsValue Pad(JsValue original, JsValue self, JsValue[] args)
    {
        if (self.IsNull() || self.IsUndefined())
        {
            return engine.Call(original, self, args);
        }

        var text = TypeConverter.ToString(self);
        var length = TypeConverter.ToLength(Arg(args, 0));
        Charge(length > (ulong)maxCharacters ? double.PositiveInfinity : length);
        JsValue fill = args.Length > 1 && !args[1].IsUndefined() ? new JsString(TypeConverter.ToString(args[1])) : JsValue.Undefined;
        return engine.Call(original, text, [JsNumber.Create((double)length), fill]);
    }

    private JsString Concat(JsValue self, JsValue[] args)
    {
        if (self.IsNull() || self.IsUndefined())
        {
            throw new JavaScriptException(engine.Intrinsics.TypeError, "String.prototype.concat called on null or undefined");
        }

        var result = new StringBuilder(TypeConverter.ToString(self));
        foreach (var arg in args)
        {
            Append(result, TypeConverter.ToString(arg));
        }

        return new JsString(result.ToString());
    }

    /// <summary>
    /// A replacement string adds its length at each match, <c>$&amp;</c> and <c>$n</c> at most the
    /// text once in all, <c>$`</c> and <c>$'</c> up to the whole text at each match; a replacer
    /// function's results are counted as they come.
    /// </summary>
    private JsValue Replace(JsValue original, JsValue self, JsValue[] args, bool all)
    {
        if (self.IsNull() || self.IsUndefined())
        {
            return engine.Call(original, self, args);
        }

        var text = TypeConverter.ToString(self);
        var search = Arg(args, 0);
        var replacement = Arg(args, 1);
        long matches = all || (search.IsRegExp() && TypeConverter.ToBoolean(search.AsObject().Get("global"))) ? text.Length + 1L : 1L;
        if (replacement.IsCallable())
        {
            Charge(text.Length);
            var counted = new ClrFunction(engine, "replacer", (thisValue, replacerArgs) =>
            {
                var piece = TypeConverter.ToString(engine.Call(replacement, thisValue, replacerArgs));
                Charge(piece.Length);
                return new JsString(piece);
            }, 1);
            return engine.Call(original, text, [search, counted]);
        }

        var pattern = TypeConverter.ToString(replacement);
        long perText = 0, perMatchText = 0;
        for (var i = 0; i < pattern.Length - 1; i++)
        {
            if (pattern[i] != '$')
            {
                continue;
            }

            switch (pattern[i + 1])
            {
                case '`' or '\'':
                    perMatchText++;
                    i++;
                    break;
                case '&' or '<' or (>= '0' and <= '9'):
                    perText++;
                    i++;
                    break;
                case '$':
                    i++;
                    break;
            }
        }

        Charge(text.Length + ((double)matches * pattern.Length) + ((double)perText * text.Length) + ((double)matches * perMatchText * text.Length));

        return engine.Call(original, text, [search, new JsString(pattern)]);
    }

    /// <summary>
    /// Array.prototype.join (and toLocaleString, and through join toString), written out so
    /// that the text is counted as it grows. A cycle joins as empty, as browsers do.
    /// </summary>
    private JsValue Join(JsValue original, JsValue self, string separator, bool locale)
    {
        if (self is not ObjectInstance array)
        {
            return engine.Call(original, self, []);
        }

        if (!joining.Add(array))
        {
            return JsString.Empty;
        }

        try
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            var length = TypeConverter.ToLength(array.Get("length"));
            if (length > (ulong)maxArrayLength)
            {
                throw new ScriptLimitException(
                    $"{ScriptSandboxOptions.SectionName}:{nameof(ScriptSandboxOptions.MaxArrayLength)}",
                    string.Create(CultureInfo.InvariantCulture, $"An array grew beyond {maxArrayLength:N0} elements. ({ScriptSandboxOptions.SectionName}:{nameof(ScriptSandboxOptions.MaxArrayLength)})"));
            }

            var result = new StringBuilder();
            for (ulong i = 0; i < length; i++)
            {
                if (i > 0)
                {
                    Append(result, separator);
                }

                var item = array.Get(JsNumber.Create((double)i));
                if (item.IsNull() || item.IsUndefined())
                {
                    continue;
                }

                Append(result, TypeConverter.ToString(locale ? LocaleText(item) : item));
            }

            return new JsString(result.ToString());
        }
        finally
        {
            joining.Remove(array);
        }
    }

    private JsValue LocaleText(JsValue item)
    {
        var owner = item switch
        {
            ObjectInstance obj => obj,
            JsNumber => Prototype("Number"),
            JsString => Prototype("String"),
            JsBoolean => Prototype("Boolean"),
            JsBigInt => Prototype("BigInt"),
            _ => null,
        };
        return owner is null ? item : engine.Call(owner.Get("toLocaleString"), item, []);
    }

    /// <summary>
    /// JSON.stringify with a replacer of its own (around the script's, if any) that counts what
    /// each value will add to the text: escaped strings at most six characters per character,
    /// and each value's punctuation and indentation.
    /// </summary>
    private JsValue Stringify(JsValue original, JsValue self, JsValue[] args)
    {
        var replacer = Arg(args, 1);
        var space = Arg(args, 2);
        HashSet<string>? keep = null;
        if (replacer.IsArray())
        {
            keep = [];
            var list = replacer.AsArray();
            for (uint i = 0; i < list.Length; i++)
            {
                var key = list.Get(JsNumber.Create(i));
                if (key.IsString() || key.IsNumber())
                {
                    keep.Add(TypeConverter.ToString(key));
                }
            }
        }

        var indent = space.IsNumber() ? (int)Math.Clamp(TypeConverter.ToIntegerOrInfinity(space), 0, 10) : space.IsString() ? Math.Min(10, space.AsString().Length) : 0;
        var perValue = 16L + (indent * (long)ScriptJson.MaxDepth);
        var root = true;
        var counted = new ClrFunction(engine, "replacer", (holder, pair) =>
        {
            var key = TypeConverter.ToString(Arg(pair, 0));
            var value = Arg(pair, 1);
            if (keep is not null && !root && !holder.IsArray() && !keep.Contains(key))
            {
                return JsValue.Undefined;
            }

            root = false;
            if (replacer.IsCallable())
            {
                value = engine.Call(replacer, holder, [new JsString(key), value]);
            }

            Charge(perValue + (6L * key.Length) + (value.IsString() ? 6L * value.AsString().Length : 0));
            return value;
        }, 2);
        return engine.Call(original, self, [Arg(args, 0), counted, space]);
    }

    private void Append(StringBuilder text, string piece)
    {
        Charge(piece.Length);
        text.Append(piece);
    }

    /// <summary>Counts characters about to be built; past the run's allowance, the run ends before they are.</summary>
    private void Charge(double characters)
    {
        if (built + characters > maxCharacters)
        {
            throw TooLong();
        }

        built += (long)characters;
    }

    private ScriptLimitException TooLong() => new(
        $"{ScriptSandboxOptions.SectionName}:{nameof(ScriptSandboxOptions.MaxMemoryBytes)}",
        string.Create(CultureInfo.InvariantCulture, $"Built-in calls would build more than {maxCharacters:N0} characters of text in this run (half of {ScriptSandboxOptions.SectionName}:{nameof(ScriptSandboxOptions.MaxMemoryBytes)})."));

    private static JsValue Arg(JsValue[] args, int index) => index < args.Length ? args[index] : JsValue.Undefined;
}
