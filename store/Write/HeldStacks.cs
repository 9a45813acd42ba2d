using System.Buffers;
using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write;

/// <summary>
/// Which <see cref="SharedStack"/> entries one write buffer holds, as one bit per entry
/// <see cref="SharedStack.Ordinal"/> in a window of <see cref="WindowBits"/> ordinals: a buffer
/// checks a decoded profile's ~150 stacks against its own 32 KB of bits instead of its stack
/// dictionary, and writes nothing into the decoder's entries. The window is placed around the
/// first ordinal seen and moves (forgetting its bits) when a newer entry falls past it; an entry
/// outside it is only unknown here, which sends the buffer to its dictionary, never a wrong answer.
/// </summary>
internal sealed class HeldStacks : IDisposable
{
    /// <summary>Twice the stack interner's bound (131,072 entries): a steady service's entries fit whatever their age.</summary>
    public const int WindowBits = 1 << 18;

    private ulong[]? _bits;
    private long _first;

    /// <summary>True when <paramref name="stack"/> was marked before; otherwise marks it (when it falls in the window) and returns false.</summary>
    public bool CheckAndMark(SharedStack stack)
    {
        var bits = _bits ?? Start(stack.Ordinal);
        var offset = stack.Ordinal - _first;
        if (offset >= WindowBits)
        {
            Move(stack.Ordinal);
            offset = stack.Ordinal - _first;
        }
        if (offset < 0)
        {
            return false;
        }
        ref var word = ref bits[(int)(offset >> 6)];
        var mask = 1UL << (int)(offset & 63);
        if ((word & mask) != 0)
        {
            return true;
        }
        word |= mask;
        return false;
    }

    public void Dispose()
    {
        if (_bits is { } bits)
        {
            _bits = null;
            ArrayPool<ulong>.Shared.Return(bits);
        }
    }

    private ulong[] Start(long ordinal)
    {
        _bits = ArrayPool<ulong>.Shared.Rent(WindowBits / 64);
        Array.Clear(_bits, 0, WindowBits / 64);
        _first = Math.Max(0, ordinal - (WindowBits / 2));
        return _bits;
    }

    private void Move(long ordinal)
    {
        Array.Clear(_bits!, 0, WindowBits / 64);
        _first = Math.Max(0, ordinal - (WindowBits / 2));
    }
}
