using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Bot.Bench;

/// <summary>
/// A person on the web chat walking the real screening path (<see cref="Screen"/>): greeting, intake, the
/// whole screening, talk to a person, consent (an escalation is stored), then the conversation ends and a
/// new one starts. One turn = POST the activity + GET the reply.
/// </summary>
public static class WebChatPath
{
    private const int BareTurnsPerConversation = 20;

    public static Task<bool> Walk(HttpClient http, List<double> latencies, CancellationToken stop) => Converse(http, latencies, bare: false, stop);

    public static Task<bool> Bare(HttpClient http, List<double> latencies, CancellationToken stop) => Converse(http, latencies, bare: true, stop);

    /// <returns>True when the walk reached the waiting screen (escalated).</returns>
    private static async Task<bool> Converse(HttpClient http, List<double> latencies, bool bare, CancellationToken stop)
    {
        var started = Stopwatch.GetTimestamp();
        var session = await StartAsync(http, stop);
        var prompt = await ReadAsync(http, session, stop);
        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        var turns = 1;
        while (!stop.IsCancellationRequested && (!bare || turns < BareTurnsPerConversation))
        {
            var option = Screen.Choose(Options(prompt));
            if (option is null)
            {
                return true;   // waiting for an operator: this person's walk is done
            }
            var at = Stopwatch.GetTimestamp();
            await PostAsync(http, session, new { type = "message", value = option, from = new { id = "user" } }, stop);
            prompt = await ReadAsync(http, session, stop);
            latencies.Add(Stopwatch.GetElapsedTime(at).TotalMilliseconds);
            turns++;
        }
        return false;
    }

    /// <summary>A new conversation walked into the middle of the screening.</summary>
    public static async Task IntoScreening(HttpClient http)
    {
        var session = await StartAsync(http, CancellationToken.None);
        var prompt = await ReadAsync(http, session, CancellationToken.None);
        for (var i = 0; i < 11; i++)   // the five of intake, then two ticks and Done on each of the screening's first two screens
        {
            var option = Screen.Choose(Options(prompt)) ?? throw new InvalidOperationException("escalated before the screening");
            await PostAsync(http, session, new { type = "message", value = option }, CancellationToken.None);
            prompt = await ReadAsync(http, session, CancellationToken.None);
        }
    }

    public static async Task FirstReply(HttpClient http)
    {
        var session = await StartAsync(http, CancellationToken.None);
        await ReadAsync(http, session, CancellationToken.None);
    }

    /// <summary>
    /// People who opened the web chat and read nothing more: each holds its conversation's stream open (keep-alives only),
    /// to show what idle sockets cost the turns of everyone else.
    /// </summary>
    public static async Task<List<System.Net.WebSockets.ClientWebSocket>> HoldIdleSocketsAsync(HttpClient http, int count)
    {
        var sockets = new List<System.Net.WebSockets.ClientWebSocket>();
        for (var i = 0; i < count; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v3/directline/conversations");
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            var socket = new System.Net.WebSockets.ClientWebSocket();
            await socket.ConnectAsync(new Uri(body.GetProperty("streamUrl").GetString()!), CancellationToken.None);
            _ = DrainAsync(socket);
            sockets.Add(socket);
        }
        return sockets;

        static async Task DrainAsync(System.Net.WebSockets.ClientWebSocket socket)
        {
            var buffer = new byte[16 * 1024];
            try
            {
                while (socket.State == System.Net.WebSockets.WebSocketState.Open)
                {
                    await socket.ReceiveAsync(buffer, CancellationToken.None);
                }
            }
            catch (System.Net.WebSockets.WebSocketException)
            {
                // closed by the host at the end of the run
            }
        }
    }

    private sealed record Session(string Id, string Token)
    {
        public string Watermark { get; set; } = "0";
    }

    private static async Task<Session> StartAsync(HttpClient http, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v3/directline/conversations");
        request.Headers.AcceptLanguage.ParseAdd("en");
        using var response = await http.SendAsync(request, stop);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(stop);
        return new Session(body.GetProperty("conversationId").GetString()!, body.GetProperty("token").GetString()!);
    }

    private static async Task PostAsync(HttpClient http, Session session, object activity, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v3/directline/conversations/{session.Id}/activities")
        {
            Content = new StringContent(JsonSerializer.Serialize(activity), Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        using var response = await http.SendAsync(request, stop);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>The newest activity after the watermark: the question now on screen.</summary>
    private static async Task<JsonElement> ReadAsync(HttpClient http, Session session, CancellationToken stop)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v3/directline/conversations/{session.Id}/activities?watermark={session.Watermark}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", session.Token);
        using var response = await http.SendAsync(request, stop);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(stop);
        session.Watermark = body.GetProperty("watermark").GetString()!;
        var activities = body.GetProperty("activities");
        return activities.GetArrayLength() > 0 ? activities[activities.GetArrayLength() - 1] : throw new InvalidOperationException("no reply");
    }

    private static List<Screen.Option> Options(JsonElement prompt) => prompt.TryGetProperty("suggestedActions", out var actions)
        ? [.. actions.GetProperty("actions").EnumerateArray().Select(a => new Screen.Option(a.GetProperty("value").GetString()!, a.GetProperty("title").GetString()!))]
        : [];
}
