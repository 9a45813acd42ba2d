using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Write.Tests.Model;

/// <summary>
/// A decoder hands functions and shared stacks over as lists; the batch's dictionaries must still
/// show every one of them, whenever they are read.
/// </summary>
public sealed class ProfileBatchTests
{
    private static readonly FunctionInfo Main = new("main", "main", "main.go", 1);
    private static readonly FunctionInfo Work = new("work", "work", "main.go", 10);
    private static readonly FunctionInfo Sleep = new("sleep", "sleep", "time.go", 5);

    [Fact]
    public void FunctionsAddedUnindexed_AreInTheDictionary_WhenItIsRead()
    {
        var batch = new ProfileBatch();
        batch.AddFunctionUnindexed(Main, capacityHint: 4);
        batch.AddFunctionUnindexed(Work);
        batch.AddFunctionUnindexed(Main); // the same function twice in a profile's table

        Assert.Equal(new[] { Main.Id, Work.Id }.Order(), batch.Functions.Keys.Order());
        Assert.Same(Work, batch.Functions[Work.Id]);

        // Added after a read, and mixed with functions added to the dictionary directly.
        batch.AddFunctionUnindexed(Sleep);
        var address = batch.AddFunction(new FunctionInfo("0x4a5f20", "", "", 0));
        Assert.Equal(new[] { Main.Id, Work.Id, Sleep.Id, address }.Order(), batch.Functions.Keys.Order());
    }

    [Fact]
    public void SharedStacks_AreInTheStacksDictionary_WhenItIsRead()
    {
        var batch = new ProfileBatch();
        ulong[] first = [Main.Id, Work.Id];
        ulong[] second = [Main.Id, Sleep.Id];
        var shared = new List<SharedStack> { new(ContentHash.Stack(first), first) };
        batch.SharedStacks = shared;

        Assert.Same(first, batch.Stacks[ContentHash.Stack(first)]);

        // Entries added to the list after a read are indexed on the next read.
        shared.Add(new SharedStack(ContentHash.Stack(second), second));
        Assert.Same(second, batch.Stacks[ContentHash.Stack(second)]);
        Assert.Equal(2, batch.Stacks.Count);

        // Setting the same list again changes nothing; dropping it keeps its stacks.
        batch.SharedStacks = shared;
        shared.Add(new SharedStack(7, [Sleep.Id]));
        batch.SharedStacks = null;
        Assert.Equal(new[] { 7UL, ContentHash.Stack(first), ContentHash.Stack(second) }.Order(), batch.Stacks.Keys.Order());
    }

    [Fact]
    public void StacksAddedDirectly_AndSharedStacks_AreBothKept()
    {
        var batch = new ProfileBatch();
        var own = batch.AddStack([Work.Id]);
        batch.SharedStacks = [new SharedStack(ContentHash.Stack([Main.Id]), [Main.Id])];

        Assert.Equal(new[] { own, ContentHash.Stack([Main.Id]) }.Order(), batch.Stacks.Keys.Order());
    }
}
