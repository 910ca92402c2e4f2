using Bot.Host.Storage;

namespace Bot.Tests.Host;

/// <summary>The database of a test host, opened beside it as the host opens it: for tests that look inside.</summary>
public static class TestDatabase
{
    public static BotDb Open(HostProcess host) => StorageSetup.Open(TestStorage.Of(host.DataPath, host.Settings));
}
