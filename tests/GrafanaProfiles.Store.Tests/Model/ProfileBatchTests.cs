using GrafanaProfiles.Store.Model;

namespace GrafanaProfiles.Store.Tests.Model;

/// <summary>
/// A decoder hands functions and shared stacks over as lists; the batch's dictionaries must still
/// show every one of them, whenever they are indexed, and reading a property changes nothing.
/// </summary>
public sealed class ProfileBatchTests
{
    private static readonly FunctionInfo Main = new("main", "main", "main.go", 1);
    private static readonly FunctionInfo Work = new("work", "work", "main.go", 10);
    private static readonly FunctionInfo Sleep = new("sleep", "sleep", "time.go", 5);

    [Fact]
    public void FunctionsAddedUnindexed_AreInTheDictionary_WhenItIsIndexed()
    {
        var batch = new ProfileBatch();
        batch.AddFunctionUnindexed(Main, capacityHint: 4);
        batch.AddFunctionUnindexed(Work);
        batch.AddFunctionUnindexed(Main); // the same function twice in a profile's table

        Assert.Equal(new[] { Main.Id, Work.Id }.Order(), batch.IndexFunctions().Keys.Order());
        Assert.Same(Work, batch.IndexFunctions()[Work.Id]);

        // Added after a read, and mixed with functions added to the dictionary directly.
        batch.AddFunctionUnindexed(Sleep);
        var address = batch.AddFunction(new FunctionInfo("0x4a5f20", "", "", 0));
        Assert.Equal(new[] { Main.Id, Work.Id, Sleep.Id, address }.Order(), batch.IndexFunctions().Keys.Order());
    }

    [Fact]
    public void SharedStacks_AreInTheStacksDictionary_WhenItIsIndexed()
    {
        ulong[] first = [Main.Id, Work.Id];
        ulong[] second = [Main.Id, Sleep.Id];
        var shared = new List<SharedStack> { new(ContentHash.Stack(first), first) };
        var batch = new ProfileBatch(shared);

        Assert.Same(first, batch.IndexStacks()[ContentHash.Stack(first)]);

        // Entries added to the list after indexing are indexed on the next call.
        shared.Add(new SharedStack(ContentHash.Stack(second), second));
        Assert.Same(second, batch.IndexStacks()[ContentHash.Stack(second)]);
        Assert.Equal(2, batch.IndexStacks().Count);
        shared.Add(new SharedStack(7, [Sleep.Id]));
        Assert.Equal(new[] { 7UL, ContentHash.Stack(first), ContentHash.Stack(second) }.Order(), batch.IndexStacks().Keys.Order());
    }

    [Fact]
    public void Properties_ReadBeforeIndexing_ChangeNothing()
    {
        ulong[] frames = [Main.Id, Work.Id];
        var shared = new List<SharedStack> { new(ContentHash.Stack(frames), frames) };
        var batch = new ProfileBatch(shared);
        batch.AddFunctionUnindexed(Main);

        Assert.Same(shared, batch.SharedStacks);
        Assert.Equal(0, batch.SampleCount);
        Assert.Single(shared);

        // Indexing puts the entries into the dictionaries and leaves the shared list as it was.
        Assert.Single(batch.IndexStacks());
        Assert.True(batch.TryGetFunction(Main.Id, out var main));
        Assert.Same(Main, main);
        Assert.Same(shared, batch.SharedStacks);
        Assert.Single(shared);
    }

    [Fact]
    public void SharedStackOrdinals_AreUniqueAndGrow()
    {
        var a = new SharedStack(1, [Main.Id]);
        var b = new SharedStack(1, [Main.Id]);

        Assert.True(b.Ordinal > a.Ordinal);
        Assert.True(a.Ordinal > 0);
    }

    [Fact]
    public void StacksAddedDirectly_AndSharedStacks_AreBothKept()
    {
        var batch = new ProfileBatch([new SharedStack(ContentHash.Stack([Main.Id]), [Main.Id])]);
        var own = batch.AddStack([Work.Id]);

        Assert.Equal(new[] { own, ContentHash.Stack([Main.Id]) }.Order(), batch.IndexStacks().Keys.Order());
    }
}
