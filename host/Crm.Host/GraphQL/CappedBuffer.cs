namespace Crm.Host.GraphQL;

/// <summary>A memory stream that refuses to grow beyond a limit: an answer is composed in it before it is sent.</summary>
internal sealed class CappedBuffer(int limit) : MemoryStream
{
    public sealed class FullException() : IOException("The response exceeds its size limit.");

    public override void Write(byte[] buffer, int offset, int count)
    {
        Reserve(count);
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Reserve(buffer.Length);
        base.Write(buffer);
    }

    public override void WriteByte(byte value)
    {
        Reserve(1);
        base.WriteByte(value);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Reserve(count);
        return base.WriteAsync(buffer, offset, count, cancellationToken);
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Reserve(buffer.Length);
        return base.WriteAsync(buffer, cancellationToken);
    }

    private void Reserve(int count)
    {
        if (Position + count > limit)
        {
            throw new FullException();
        }
    }
}
