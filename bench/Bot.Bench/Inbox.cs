using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace Bot.Bench;

/// <summary>What a push channel's stand-in caught for one conversation.</summary>
internal static class Inbox
{
    /// <summary>Messages sent to the conversation until one carries options (<paramref name="optionsField"/>): the question on screen.</summary>
    public static async Task<JsonObject> NextQuestionAsync(ChannelReader<JsonObject> inbox, string optionsField, CancellationToken stop)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var sent = await inbox.ReadAsync(timeout.Token);
            if (sent[optionsField] is not null)
            {
                return sent;
            }
        }
    }
}
