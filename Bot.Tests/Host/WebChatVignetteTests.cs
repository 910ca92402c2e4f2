using System.Text.Json;
using Bot.Tests.Dialogs;

namespace Bot.Tests.Host;

/// <summary>Issue 11, item 8: a few personas of the vignette suite (one in each language) through the web chat API of a real host, as a phone would send them.</summary>
public class WebChatVignetteTests
{
    [Fact]
    public async Task Personas_walked_through_the_web_chat_get_the_same_screens_and_result_as_through_the_engine()
    {
        await using var host = await HostProcess.StartAsync();
        var walks = new (string Persona, string Language)[]
        {
            ("Migrant on a building site, passport kept, no pay", "kk"),
            ("Kazakh woman abroad, someone takes the money from clients", "ru"),
            ("Witness at a border post: a group, one speaks for all", "en"),
            (Vignettes.All.First(p => p.FalseAlarm && p.Age == "under18").Name, "uz"),
            ("Migrant without papers, afraid of the police, at a station", "ky"),
            ("Migrant on a farm far away, debt keeps growing", "tg"),
        };
        foreach (var (name, language) in walks)
        {
            var persona = Vignettes.All.Single(p => p.Name == name);
            var engine = await Vignettes.Walk(persona, language);
            var (screens, result) = await WalkAsync(new WebChatClient(host.Http), persona, language);
            Assert.True(engine.Screens == screens, $"{name} ({language}): {screens} screens on the web, {engine.Screens} in the engine");
            Assert.Equal(engine.Chat.Prompt.Text, result);
        }
    }

    /// <summary>Presses what the persona would on each screen: the screens walked and the result's text.</summary>
    private static async Task<(int Screens, string Result)> WalkAsync(WebChatClient chat, Persona persona, string language)
    {
        var pack = TestContent.Content[language];
        string Button(string key) => pack.Text("button." + key);
        await chat.StartAsync(language);
        foreach (var key in new[] { "continue", persona.Safety, persona.Safety == "safe" ? null : "questions", persona.Role, persona.Age, persona.Location }.OfType<string>())
        {
            await chat.PressAsync(Button(key));
        }
        var recognised = persona.Who.Concat(persona.Place).Concat(persona.Situation).Concat(persona.Signs).ToHashSet();
        var screens = 0;
        for (var screen = ""; !WebChatClient.Options(chat.LastPrompt).Any(o => o.Title == Button("talk")); )
        {
            Assert.True(screens <= 20, "the screening did not end");
            var text = WebChatClient.Text(chat.LastPrompt);
            var options = WebChatClient.Options(chat.LastPrompt);
            if (text != screen)
            {
                (screen, screens) = (text, screens + 1);
            }
            var toggles = options.Where(o => o.Value.Contains(".t.", StringComparison.Ordinal)).ToList();
            if (toggles.Count > 0)
            {
                // "Tap all that apply": tick what is true for the persona (once), then Done / None of these.
                var next = toggles.FirstOrDefault(o => recognised.Contains(o.Value[(o.Value.IndexOf(".t.", StringComparison.Ordinal) + 3)..])
                    && !o.Title.StartsWith("✓ ", StringComparison.Ordinal));
                await chat.PressAsync(next.Title ?? (options.Any(o => o.Title == Button("done")) ? Button("done") : Button("none")));
                continue;
            }
            // One yes/no question: the indicator it asks, by its words on screen.
            var asked = pack.Indicators.Values.Single(i => new[] { i.Self, i.Witness, i.Child }.Any(q => q is not null && text.EndsWith(q, StringComparison.Ordinal)));
            await chat.PressAsync(Button(persona.Signs.Contains(asked.Id) ? "yes" : "no"));
        }
        return (screens, WebChatClient.Text(chat.LastPrompt));
    }
}
