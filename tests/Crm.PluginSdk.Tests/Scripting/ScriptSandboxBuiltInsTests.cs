using Crm.PluginSdk.Scripting;

namespace Crm.PluginSdk.Tests.Scripting;

/// <summary>
/// Jint checks memory between statements; one built-in call could otherwise build gigabytes of
/// text first. The guarded built-ins stop before they do, and still behave as JavaScript's.
/// </summary>
public sealed class ScriptSandboxBuiltInsTests
{
    // The time limit far off, so that a text bomb meets the memory limit first even on a busy machine.
    private readonly ScriptSandbox sandbox = Sandboxes.Create(o => o.Timeout = TimeSpan.FromSeconds(30));

    [Theory]
    [InlineData("'x'.repeat(5e8).length")]
    [InlineData("'x'.padStart(5e8).length")]
    [InlineData("const s = 'x'.repeat(1e4); Array(8000).fill(s).join('').length")]
    [InlineData("const s = 'x'.repeat(1e4); String(Array(8000).fill(s)).length")]
    [InlineData("const s = 'x'.repeat(1e4); Array(8000).fill(s).toLocaleString().length")]
    [InlineData("const s = 'x'.repeat(1e4); ''.concat(...Array(8000).fill(s)).length")]
    [InlineData("const s = 'x'.repeat(1e4); JSON.stringify(Array(8000).fill(s)).length")]
    [InlineData("const s = 'x'.repeat(1e4); s.replace(/x/g, s).length")]
    [InlineData("const s = 'x'.repeat(1e4); s.replace(/x/g, \"$'\").length")]
    [InlineData("const s = 'x'.repeat(1e4); s.replace(/x/g, () => s).length")]
    [InlineData("const s = 'x'.repeat(1e4); s.replaceAll('x', s).length")]
    [InlineData("let x = ['x'.repeat(1e4)]; for (let i = 0; i < 20; i++) { x = [x, x]; } String(x).length")]
    [InlineData("let x = ['x'.repeat(1e4)]; for (let i = 0; i < 20; i++) { x = [x, x]; } JSON.stringify(x).length")]
    [InlineData("const s = 'x'.repeat(1e5); const t = s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s+s; t.length")]
    public void A_text_bomb_in_one_call_stops_at_the_memory_limit_before_it_is_built(string source)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        var outcome = sandbox.Run(source);

        Sandboxes.AssertLimit(outcome, nameof(ScriptSandboxOptions.MaxMemoryBytes));
        // The limit is 16 MB of allocations; the text built before the stop is at most about that twice.
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - allocated, 0, 64 * 1024 * 1024);
        Sandboxes.AssertNextRunIsClean(sandbox);
    }

    [Fact]
    public void Binary_data_types_are_not_there()
    {
        var outcome = sandbox.Run("[typeof ArrayBuffer, typeof SharedArrayBuffer, typeof DataView, typeof Uint8Array, typeof Float64Array, typeof Atomics]");

        Assert.Equal("""["undefined","undefined","undefined","undefined","undefined","undefined"]""", outcome.Result!.ToJsonString());
    }

    [Theory]
    [InlineData("'ab'.repeat(3)", "ababab")]
    [InlineData("'5'.padStart(3, '0') + '|' + 'x'.padEnd(3) + '|'", "005|x  |")]
    [InlineData("'a'.concat(1, null, [2, 3])", "a1null2,3")]
    [InlineData("'a-b-c'.replace('-', '+')", "a+b-c")]
    [InlineData("'a-b-c'.replaceAll('-', '+')", "a+b+c")]
    [InlineData("'John Smith'.replace(/(\\w+) (\\w+)/, '$2, $1')", "Smith, John")]
    [InlineData("'abc'.replace(/b/g, \"[$`|$&|$']\")", "a[a|b|c]c")]
    [InlineData("'a1b2'.replace(/\\d/g, d => d * 2)", "a2b4")]
    [InlineData("'price: $5'.replace('5', '$$6')", "price: $$6")]
    [InlineData("[1, [2, [3, null]], undefined, 'x'].join('-')", "1-2,3,--x")]
    [InlineData("String([1, 2, 3])", "1,2,3")]
    [InlineData("const a = [1]; a.push(a); a.push(2); a.join()", "1,,2")]
    [InlineData("Array.prototype.join.call({ length: 2, 0: 'a', 1: 'b' }, '+')", "a+b")]
    [InlineData("[1, 'b', true].toLocaleString()", "1,b,true")]
    [InlineData("JSON.stringify({ a: 1, b: [true, 'x'], d: new Date(0) })", "{\"a\":1,\"b\":[true,\"x\"],\"d\":\"1970-01-01T00:00:00.000Z\"}")]
    [InlineData("JSON.stringify({ a: 1, b: 2, c: { a: 3, z: 4 } }, ['a', 'c'])", "{\"a\":1,\"c\":{\"a\":3}}")]
    [InlineData("JSON.stringify({ a: 1, b: 'x' }, (k, v) => typeof v === 'number' ? v * 10 : v)", "{\"a\":10,\"b\":\"x\"}")]
    [InlineData("JSON.stringify({ a: [1] }, null, 2)", "{\n  \"a\": [\n    1\n  ]\n}")]
    [InlineData("JSON.stringify({ toJSON() { return 'mine'; } })", "\"mine\"")]
    [InlineData("String(JSON.stringify(undefined))", "undefined")]
    public void Guarded_built_ins_still_behave_as_javascripts(string source, string expected)
    {
        var outcome = sandbox.Run(source);

        Assert.True(outcome.Succeeded, outcome.Error?.Message);
        Assert.Equal(expected, outcome.Result!.GetValue<string>());
    }

    [Fact]
    public void A_built_in_called_on_nothing_throws_as_javascripts_does()
    {
        var outcome = sandbox.Run("[String.prototype.repeat, String.prototype.concat, String.prototype.replace].map(f => { try { f.call(null, 1); return 'no error'; } catch (e) { return e instanceof TypeError; } })");

        Assert.Equal("[true,true,true]", outcome.Result!.ToJsonString());
    }
}
