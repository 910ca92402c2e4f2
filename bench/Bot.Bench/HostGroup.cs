using Bot.Tests.Host;

namespace Bot.Bench;

/// <summary>
/// The hosts of one configuration, all on one database and one key folder. The first answers before the next starts: its first
/// token makes the key ring the others read (as in the two-host tests).
/// </summary>
public sealed class HostGroup : IAsyncDisposable
{
    private readonly List<HostProcess> _members = [];

    public IReadOnlyList<HostProcess> Members => _members;

    public static async Task<HostGroup> StartAsync(int count, IReadOnlyDictionary<string, string> settings)
    {
        var group = new HostGroup();
        try
        {
            for (var i = 0; i < count; i++)
            {
                group._members.Add(await HostProcess.StartAsync(settings: settings));
                await WebChatPath.FirstReply(group._members[i].Http);
            }
            return group;
        }
        catch
        {
            await group.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var host in _members)
        {
            await host.DisposeAsync();
        }
    }
}
