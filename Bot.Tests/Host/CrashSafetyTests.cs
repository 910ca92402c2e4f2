using System.Collections.Concurrent;
using System.Text.Json;
using Bot.Content;
using Bot.Host.Storage;
using Microsoft.EntityFrameworkCore;
using Xunit.Abstractions;

namespace Bot.Tests.Host;

/// <summary>Kill -9 in the middle of a load: nothing acknowledged is lost, nothing is done twice.</summary>
public class CrashSafetyTests(ITestOutputHelper output)
{
    private static readonly LanguagePack En = TestContent.Content["en"];
    private static readonly string[] Path = ["continue", "safe", "self", "adult", "in-kazakhstan", "stop", "talk", "woman", "hotline", "agree"];

    private sealed class Person(WebChatClient chat)
    {
        public WebChatClient Chat { get; } = chat;
        public int Acknowledged { get; set; }   // presses the host answered 200 to
        public HashSet<string> Seen { get; } = [];
        public List<string> Duplicates { get; } = [];

        public void Record(IEnumerable<JsonElement> activities)
        {
            foreach (var id in activities.Select(a => a.GetProperty("id").GetString()!))
            {
                if (!Seen.Add(id))
                {
                    Duplicates.Add(id);
                }
            }
        }

        public string? NextButton()
        {
            var options = WebChatClient.Options(Chat.LastPrompt).Select(o => o.Title).ToList();
            return Path.Select(key => En.Text("button." + key)).FirstOrDefault(options.Contains);
        }
    }

    [Theory]
    [MemberData(nameof(TestStorage.Providers), MemberType = typeof(TestStorage))]
    public async Task Killing_the_host_under_load_loses_no_acknowledged_turn_and_duplicates_nothing(StorageProvider provider)
    {
        var first = await HostProcess.StartAsync(settings: TestStorage.Settings(provider, new Dictionary<string, string>
        {
            ["Abuse:NewConversationsPerMinutePerClient"] = "0", ["Abuse:EscalationsPerHourPerClient"] = "0",
        }));
        var people = new ConcurrentBag<Person>();
        var agreed = 0;
        var walking = Enumerable.Range(0, 200).Select(async _ =>
        {
            var person = new Person(new WebChatClient(first.Http));
            try
            {
                await person.Chat.StartAsync();
                people.Add(person);
                person.Record(person.Chat.Received);
                while (person.NextButton() is { } button)
                {
                    person.Record(await person.Chat.PressAsync(button));
                    person.Acknowledged++;
                    if (button == En.Text("button.agree"))
                    {
                        Interlocked.Increment(ref agreed);
                    }
                }
            }
            catch (HttpRequestException)
            {
                // the host died under this person's turn: not acknowledged
            }
        }).ToList();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (Volatile.Read(ref agreed) < 40 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
        await first.KillAsync();
        await Task.WhenAll(walking);
        var acknowledgedAgreements = people.Where(p => p.NextButton() is null).Select(p => p.Chat.ConversationId).ToHashSet();
        Assert.InRange(acknowledgedAgreements.Count, 40, 199);   // the kill came in the middle of the load
        output.WriteLine($"killed with {people.Count} conversations started, {acknowledgedAgreements.Count} escalations acknowledged, " +
            $"{people.Sum(p => p.Acknowledged)} turns acknowledged");

        await using var second = await HostProcess.StartAsync(first.DataPath, first.Settings);
        await first.DisposeAsync();
        foreach (var person in people)
        {
            // The same person, same token, after the restart: the replies of any turn committed
            // but not acknowledged arrive now, then the walk goes on to the end.
            var chat = new WebChatClient(second.Http);
            chat.Resume(person.Chat.ConversationId, person.Chat.Token, person.Chat.Watermark);
            chat.Received.Add(person.Chat.LastPrompt);
            var resumed = new Person(chat);
            resumed.Seen.UnionWith(person.Seen);
            resumed.Record(await chat.ReadAsync());
            while (resumed.NextButton() is { } button)
            {
                resumed.Record(await chat.PressAsync(button));
            }
            Assert.Equal(En.Text("waiting.ask"), WebChatClient.Text(chat.LastPrompt));
            Assert.Empty(resumed.Duplicates);
        }
        Assert.All(people, p => Assert.Empty(p.Duplicates));

        await using var db = TestDatabase.Open(second);
        var escalations = await db.Tickets.Select(e => e.ConversationKey!).ToListAsync();
        Assert.All(acknowledgedAgreements, id => Assert.Single(escalations, id));   // told it was sent: stored, once
        Assert.Equal(people.Select(p => p.Chat.ConversationId).Order(), escalations.Order());   // everyone finished, once each
    }
}
