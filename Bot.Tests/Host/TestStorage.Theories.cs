using Bot.Host.Storage;

namespace Bot.Tests.Host;

public static partial class TestStorage
{
    /// <summary>The storage and operators' tests run on both.</summary>
    public static TheoryData<StorageProvider> Providers => [StorageProvider.Sqlite, StorageProvider.PostgreSql];
}
