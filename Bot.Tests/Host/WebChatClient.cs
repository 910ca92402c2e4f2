using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Bot.Tests.Host;

/// <summary>A Direct Line 3.0 client as the web chat page uses it.</summary>
public sealed class WebChatClient(HttpClient http)
{
    public string ConversationId { get; private set; } = "";
    public string Token { get; set; } = "";
    public string Watermark { get; private set; } = "0";
    /// <summary>The stream URL of the start or the last reconnect (usable for 60 s).</summary>
    public string StreamUrl { get; private set; } = "";
    public List<JsonElement> Received { get; } = [];
    public JsonElement LastPrompt => Received[^1];

    /// <summary>Carries on a conversation started elsewhere (another host process).</summary>
    public void Resume(string conversationId, string token, string watermark) =>
        (ConversationId, Token, Watermark) = (conversationId, token, watermark);

    public async Task StartAsync(string language = "en")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "v3/directline/conversations");
        request.Headers.AcceptLanguage.ParseAdd(language);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        ConversationId = body.GetProperty("conversationId").GetString()!;
        Token = body.GetProperty("token").GetString()!;
        StreamUrl = body.GetProperty("streamUrl").GetString()!;
        await ReadAsync();
    }

    /// <summary>Direct Line's reconnect: a new token and a stream URL from the watermark on (none: from now on).</summary>
    public async Task<string> ReconnectAsync(string? watermark)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v3/directline/conversations/{ConversationId}" + (watermark is null ? "" : "?watermark=" + watermark));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Token = body.GetProperty("token").GetString()!;
        return StreamUrl = body.GetProperty("streamUrl").GetString()!;
    }

    /// <summary>Presses an option of this activity as Web Chat does: with a clientActivityID, so the host echoes it.</summary>
    public async Task PressEchoedAsync(JsonElement prompt, string title, string clientActivityId)
    {
        var value = Options(prompt).First(a => a.Title == title).Value;
        (await PostAsync(new { type = "message", value, from = new { id = "user", role = "user" }, channelData = new { clientActivityID = clientActivityId } }))
            .EnsureSuccessStatusCode();
    }

    public Task<HttpResponseMessage> PostAsync(object activity, CancellationToken cancel = default) =>
        PostRawAsync(JsonSerializer.Serialize(activity), cancel: cancel);

    public async Task<HttpResponseMessage> PostRawAsync(string json, string? conversationId = null, CancellationToken cancel = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v3/directline/conversations/{conversationId ?? ConversationId}/activities")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request, cancel);
    }

    public async Task<HttpResponseMessage> GetActivitiesAsync(string? conversationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v3/directline/conversations/{conversationId ?? ConversationId}/activities?watermark={Watermark}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request);
    }

    /// <summary>Fetches the activities after the watermark.</summary>
    public async Task<IReadOnlyList<JsonElement>> ReadAsync()
    {
        using var response = await GetActivitiesAsync();
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        var activities = body.GetProperty("activities").EnumerateArray().ToList();
        Received.AddRange(activities);
        Watermark = body.GetProperty("watermark").GetString()!;
        return activities;
    }

    public async Task<IReadOnlyList<JsonElement>> SayAsync(string text)
    {
        (await PostAsync(new { type = "message", text, from = new { id = "user" } })).EnsureSuccessStatusCode();
        return await ReadAsync();
    }

    /// <summary>Presses the suggested action with this title on the last prompt.</summary>
    public async Task<IReadOnlyList<JsonElement>> PressAsync(string title)
    {
        var value = Options(LastPrompt).First(a => a.Title == title).Value;
        (await PostAsync(new { type = "message", value, from = new { id = "user" } })).EnsureSuccessStatusCode();
        return await ReadAsync();
    }

    public static IReadOnlyList<(string Title, string Value)> Options(JsonElement activity) =>
        activity.TryGetProperty("suggestedActions", out var actions) && actions.ValueKind == JsonValueKind.Object
            ? actions.GetProperty("actions").EnumerateArray().Select(a => (a.GetProperty("title").GetString()!, a.GetProperty("value").GetString()!)).ToList()
            : [];

    public static string Text(JsonElement activity) => activity.GetProperty("text").GetString()!;
}
