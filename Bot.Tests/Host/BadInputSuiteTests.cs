using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Bot.Tests.Host;

/// <summary>
/// Hostile and broken requests against every public endpoint: never a 5xx, the host stays up, and
/// nothing of a bad request is stored.
/// </summary>
public class BadInputSuiteTests(ITestOutputHelper output)
{
    /// <summary>One request; {id} and {token} are filled with a real conversation's.</summary>
    public sealed record Case(string Name, HttpMethod Method, string Path, byte[]? Body = null, string? Authorization = "Bearer {token}",
        string ContentType = "application/json");

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static string Nested(int depth) => new string('[', depth) + new string(']', depth);

    public static IEnumerable<Case> WebChatCases()
    {
        const string activities = "v3/directline/conversations/{id}/activities";
        var post = HttpMethod.Post;
        yield return new("malformed json", post, activities, Utf8("{\"type\":"));
        yield return new("not json", post, activities, Utf8("hello"));
        yield return new("json null", post, activities, Utf8("null"));
        yield return new("json array", post, activities, Utf8("[1,2,3]"));
        yield return new("empty body", post, activities, []);
        yield return new("type is a number", post, activities, Utf8("{\"type\":5}"));
        yield return new("text is an object", post, activities, Utf8("{\"type\":\"message\",\"text\":{\"a\":1}}"));
        yield return new("value is true", post, activities, Utf8("{\"type\":\"message\",\"value\":true}"));
        yield return new("deep nesting", post, activities, Utf8("{\"type\":\"message\",\"value\":" + Nested(10_000) + "}"));
        yield return new("invalid utf-8", post, activities, [.. Utf8("{\"type\":\"message\",\"text\":\""), 0xff, 0xfe, 0xc3, .. Utf8("\"}")]);
        yield return new("nul bytes", post, activities, Utf8("{\"type\":\"message\",\"text\":\"a\\u0000b\"}"));
        yield return new("2 MB body", post, activities, Utf8("{\"type\":\"message\",\"text\":\"" + new string('x', 2_000_000) + "\"}"));
        yield return new("sql injection text", post, activities, Utf8("{\"type\":\"message\",\"text\":\"'; DROP TABLE Conversations; --\"}"));
        yield return new("html injection text", post, activities, Utf8("{\"type\":\"message\",\"text\":\"<img src=x onerror=alert(1)>\"}"));
        yield return new("sql injection option", post, activities, Utf8("{\"type\":\"message\",\"value\":\"1.yes' OR '1'='1\"}"));
        yield return new("huge option id", post, activities, Utf8("{\"type\":\"message\",\"value\":\"" + new string('9', 50_000) + ".yes\"}"));
        yield return new("text/plain body", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), ContentType: "text/plain");
        yield return new("no token", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: null);
        yield return new("basic auth", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: "Basic YWRtaW46YWRtaW4=");
        yield return new("forged token", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: "Bearer CfDJ8forged");
        yield return new("token of 10 kB", post, activities, Utf8("{\"type\":\"message\",\"text\":\"1\"}"), Authorization: "Bearer " + new string('A', 10_000));
        foreach (var id in new[] { "..%2F..%2Fetc%2Fpasswd", "%27%20OR%201%3D1%20--", "%00", new string('a', 5000), "%3Cscript%3E" })
        {
            yield return new($"path id {id[..Math.Min(id.Length, 20)]}", post, $"v3/directline/conversations/{id}/activities", Utf8("{\"type\":\"message\",\"text\":\"1\"}"));
            yield return new($"read id {id[..Math.Min(id.Length, 20)]}", HttpMethod.Get, $"v3/directline/conversations/{id}/activities");
        }
        foreach (var watermark in new[] { "-1", "abc", "99999999999999999999999", "1;DROP%20TABLE%20Outbox", "%00" })
        {
            yield return new($"watermark {watermark}", HttpMethod.Get, activities + "?watermark=" + watermark);
        }
        yield return new("refresh without token", post, "v3/directline/tokens/refresh", Authorization: null);
        yield return new("refresh with forged token", post, "v3/directline/tokens/refresh", Authorization: "Bearer forged");
        yield return new("traversal outside the api", HttpMethod.Get, "v3/directline/..%2F..%2Fappsettings.json");
        yield return new("static file traversal", HttpMethod.Get, "..%2Fappsettings.json");
        yield return new("unknown method", HttpMethod.Delete, activities);
    }

    [Fact]
    public async Task Every_bad_request_gets_a_4xx_or_a_clear_reply_never_a_5xx_and_stores_nothing_of_itself()
    {
        await using var host = await HostProcess.StartAsync();
        var chat = new WebChatClient(host.Http);
        await chat.StartAsync();
        var cases = WebChatCases().ToList();
        var failures = new List<string>();
        var statuses = new List<HttpStatusCode>();
        foreach (var bad in cases)
        {
            using var request = new HttpRequestMessage(bad.Method, bad.Path.Replace("{id}", chat.ConversationId, StringComparison.Ordinal));
            if (bad.Body is not null)
            {
                request.Content = new ByteArrayContent(bad.Body);
                request.Content.Headers.ContentType = new MediaTypeHeaderValue(bad.ContentType);
            }
            if (bad.Authorization is { } authorization)
            {
                request.Headers.TryAddWithoutValidation("Authorization", authorization.Replace("{token}", chat.Token, StringComparison.Ordinal));
            }
            // A fresh connection each: Kestrel may close one whose body it refused.
            using var http = new HttpClient { BaseAddress = host.BaseAddress };
            using var response = await http.SendAsync(request);
            statuses.Add(response.StatusCode);
            if ((int)response.StatusCode >= 500)
            {
                failures.Add($"{bad.Name}: {(int)response.StatusCode}");
            }
        }
        Assert.Empty(failures);
        Assert.True((await host.Http.GetAsync("health")).IsSuccessStatusCode, "the host is still up");

        await host.KillAsync();
        var stored = string.Concat(Directory.GetFiles(host.DataPath, "bot.db*").Select(f => Encoding.UTF8.GetString(File.ReadAllBytes(f))));
        foreach (var marker in new[] { "DROP TABLE", "onerror", "xxxxxxxxxx", "99999999999", "passwd" })
        {
            Assert.DoesNotContain(marker, stored, StringComparison.Ordinal);
        }
        await using var db = new SqliteConnection($"Data Source={Path.Combine(host.DataPath, "bot.db")};Mode=ReadOnly");
        await db.OpenAsync();
        await using var count = db.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Conversations";
        Assert.Equal(1L, await count.ExecuteScalarAsync());   // no conversation made up from a bad id
        output.WriteLine($"{cases.Count} bad requests: " + string.Join(", ", statuses.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}")));
    }
}
