using GrafanaProfiles.Store.Model;
using GrafanaProfiles.Store.Write;

namespace GrafanaProfiles.Store.Tests.Write;

public sealed class HeldStacksTests
{
    [Fact]
    public void AStack_IsHeldOnlyAfterItWasMarked_AndOnlyByTheSetThatMarkedIt()
    {
        using var a = new HeldStacks();
        using var b = new HeldStacks();
        var stack = new SharedStack(1, [1]);
        var other = new SharedStack(2, [2]);

        Assert.False(a.CheckAndMark(stack));
        Assert.True(a.CheckAndMark(stack));
        Assert.False(a.CheckAndMark(other));
        Assert.False(b.CheckAndMark(stack));
        Assert.True(b.CheckAndMark(stack));
        Assert.True(a.CheckAndMark(other));
    }

    [Fact]
    public void StacksBeyondTheWindow_MoveIt_AndStacksBelowIt_AreNeverClaimed()
    {
        using var held = new HeldStacks();
        var old = new SharedStack(1, [1]);
        Assert.False(held.CheckAndMark(old));
        SharedStack? newer = null;
        for (var i = 0; i < HeldStacks.WindowBits; i++)
        {
            newer = new SharedStack(2, [2]);
        }
        Assert.True(newer!.Ordinal - old.Ordinal >= HeldStacks.WindowBits / 2);

        // Past the window: it moves to the newer stack and forgets what it held.
        Assert.False(held.CheckAndMark(newer));
        Assert.True(held.CheckAndMark(newer));
        // Now below the window: unknown every time, so a buffer looks in its dictionary.
        Assert.False(held.CheckAndMark(old));
        Assert.False(held.CheckAndMark(old));
    }
}
