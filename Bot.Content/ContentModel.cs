namespace Bot.Content;

/// <summary>The six forms of exploitation of Appendix 1; the key is the section name under what/.</summary>
public enum Form { Labour, Sexual, Begging, Organs, Crime, ChildSale }

public static class Forms
{
    public static readonly IReadOnlyDictionary<string, Form> ByKey = new Dictionary<string, Form>
    {
        ["labour"] = Form.Labour,
        ["sexual"] = Form.Sexual,
        ["begging"] = Form.Begging,
        ["organs"] = Form.Organs,
        ["crime"] = Form.Crime,
        ["child-sale"] = Form.ChildSale,
    };

    public static string Key(this Form form) => ByKey.First(pair => pair.Value == form).Key;
}

/// <summary>One Appendix 1 indicator with its questions in one language.</summary>
public sealed record Indicator(string Id, string Cite, string Section, string Rule, string Self, string Witness, string? Child)
{
    public Form? Form => Section.StartsWith("what/", StringComparison.Ordinal)
        && Forms.ByKey.TryGetValue(Section["what/".Length..], out var form) ? form : null;
}

public sealed record IndicatorSection(string Key, string Title, IReadOnlyList<Indicator> Items);

public sealed record CardItem(int N, string Cite, string Summary, string Text);

/// <summary>Appendix 2: the information card given on every exit path (clauses 13, 33).</summary>
public sealed record RightsCard(string Title, string Intro, IReadOnlyList<CardItem> Rights, IReadOnlyList<CardItem> Duties, string Closing);

public sealed record Contact(string Id, string Number, string Name, string What);

public sealed record ChoiceText(string Self, string Witness, string Child, IReadOnlyDictionary<string, string> Options);

/// <summary>Everything the bot says in one language, and the operators' console in that language.</summary>
public sealed record LanguagePack(
    string Code,
    IReadOnlyList<IndicatorSection> Sections,
    IReadOnlyDictionary<string, Indicator> Indicators,
    IReadOnlyDictionary<string, ChoiceText> Choices,
    RightsCard Rights,
    IReadOnlyList<Contact> Contacts,
    IReadOnlyDictionary<string, string> Ui,
    IReadOnlyDictionary<string, string> Operators)
{
    /// <summary>A UI string with {name} placeholders filled in.</summary>
    public string Text(string key, params (string Name, string Value)[] values) => Fill(Ui, key, values);

    /// <summary>A string of the operators' console, sign-in and supervisor pages (operators.yaml).</summary>
    public string Operator(string key, params (string Name, string Value)[] values) => Fill(Operators, key, values);

    private static string Fill(IReadOnlyDictionary<string, string> texts, string key, (string Name, string Value)[] values)
    {
        var text = texts.TryGetValue(key, out var found) ? found : key;
        foreach (var (name, value) in values)
        {
            text = text.Replace("{" + name + "}", value, StringComparison.Ordinal);
        }
        return text;
    }

    public Contact Contact(string id) => Contacts.First(c => c.Id == id);
}

public sealed record ChoiceOption(string Id, IReadOnlyList<string> Indicators, IReadOnlyList<Form> Forms);

/// <summary>The adaptive screening plan (clause 5): the same for every language.</summary>
public sealed record ScreeningPlan(
    int MaxQuestions,
    IReadOnlyList<string> Core,
    IReadOnlyList<string> Minor,
    IReadOnlyDictionary<Form, IReadOnlyList<string>> FollowUps,
    IReadOnlyDictionary<string, IReadOnlyList<ChoiceOption>> Choices);

public sealed record BotContent(ScreeningPlan Plan, IReadOnlyDictionary<string, LanguagePack> Languages)
{
    public static readonly IReadOnlyList<string> LanguageCodes = ["kk", "ru", "en"];

    public LanguagePack this[string code] => Languages[code];
}
