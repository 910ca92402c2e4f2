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
        await ReadAsync();
    }

    public Task<HttpResponseMessage> PostAsync(object activity) => PostRawAsync(JsonSerializer.Serialize(activity));

    public async Task<HttpResponseMessage> PostRawAsync(string json, string? conversationId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"v3/directline/conversations/{conversationId ?? ConversationId}/activities")
        {
            Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return await http.SendAsync(request);
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
        activity.TryGetProperty("suggestedActions", out var actions)
            ? actions.GetProperty("actions").EnumerateArray().Select(a => (a.GetProperty("title").GetString()!, a.GetProperty("value").GetString()!)).ToList()
            : [];

    public static string Text(JsonElement activity) => activity.GetProperty("text").GetString()!;
}
