using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Bot.Content;

/// <summary>
/// Loads content/ and validates it as a whole: a broken file stops start-up with file:line and the
/// key at fault, so a mistake never reaches a person in danger.
/// </summary>
public static partial class ContentLoader
{
    public const int MessageLimit = 4096;       // Telegram's limit for one message
    public const int QuestionLimit = 300;
    public const int ButtonLabelLimit = 40;     // keeps buttons readable on a small screen
    public const int IdLimit = 40;              // ids travel in 64-byte callback data

    public static readonly IReadOnlyList<string> SectionKeys =
    [
        "who/adults", "who/minors", "where/exploitation", "where/surface", "where/minors",
        "what/general", "what/minors", "what/border", "what/labour", "what/sexual", "what/begging",
        "what/organs", "what/crime", "what/child-sale",
    ];

    public static readonly IReadOnlyList<string> ChoiceKeys = ["place", "situation"];
    public static readonly IReadOnlyList<string> ContactIds = ["hotline", "police", "ambulance", "emergency"];

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex IdPattern();

    [GeneratedRegex("^appendix-1/(?<section>[a-z]+/[a-z-]+)/(?<n>[1-9][0-9]*)$")]
    private static partial Regex IndicatorCitePattern();

    [GeneratedRegex(@"\{[a-z]+\}")]
    private static partial Regex PlaceholderPattern();

    /// <summary>Loads and validates; throws <see cref="ContentException"/> listing every problem.</summary>
    public static BotContent Load(string root, IEnumerable<string> requiredUiKeys, IEnumerable<string>? requiredOperatorKeys = null)
    {
        var errors = new List<ContentError>();
        var content = Read(root, requiredUiKeys.ToList(), (requiredOperatorKeys ?? []).ToList(), errors);
        return errors.Count == 0 ? content : throw new ContentException(errors);
    }

    /// <summary>Every problem found, in file order; empty when the content is valid.</summary>
    public static IReadOnlyList<ContentError> Check(string root, IEnumerable<string> requiredUiKeys, IEnumerable<string>? requiredOperatorKeys = null)
    {
        var errors = new List<ContentError>();
        Read(root, requiredUiKeys.ToList(), (requiredOperatorKeys ?? []).ToList(), errors);
        return errors;
    }

    private static BotContent Read(string root, List<string> requiredUiKeys, List<string> requiredOperatorKeys, List<ContentError> errors)
    {
        if (!Directory.Exists(root))
        {
            errors.Add(new ContentError(root, 0, "Content:Path", "content folder not found"));
            return new BotContent(EmptyPlan, new Dictionary<string, LanguagePack>());
        }
        var languages = BotContent.LanguageCodes.ToDictionary(code => code, code => ReadLanguage(root, code, requiredUiKeys, requiredOperatorKeys, errors));
        var plan = ReadPlan(root, languages["en"], errors);
        CompareLanguages(languages, errors);
        foreach (var pack in languages.Values)
        {
            CheckChoices(pack, plan, errors);
        }
        return new BotContent(plan, languages);
    }

    private static readonly ScreeningPlan EmptyPlan =
        new(0, [], [], new Dictionary<Form, IReadOnlyList<string>>(), new Dictionary<string, IReadOnlyList<ChoiceOption>>());

    private static LanguagePack ReadLanguage(string root, string code, List<string> requiredUiKeys, List<string> requiredOperatorKeys, List<ContentError> errors)
    {
        var sections = new List<IndicatorSection>();
        var indicatorFolder = Path.Combine(root, code, "indicators");
        var files = Directory.Exists(indicatorFolder)
            ? Directory.GetFiles(indicatorFolder, "*.yaml").Order(StringComparer.Ordinal).ToList()
            : [];
        if (files.Count == 0)
        {
            errors.Add(new ContentError($"{code}/indicators/", 0, "", "no indicator files"));
        }
        foreach (var file in files)
        {
            sections.AddRange(ReadIndicators(new YamlReader(root, Path.GetRelativePath(root, file), errors)));
        }
        var first = files.Count > 0 ? Path.GetRelativePath(root, files[0]).Replace('\\', '/') : $"{code}/indicators/";
        foreach (var missing in SectionKeys.Except(sections.Select(s => s.Key)))
        {
            errors.Add(new ContentError(first, 0, missing, "section is missing"));
        }
        var indicators = new Dictionary<string, Indicator>();
        foreach (var item in sections.SelectMany(s => s.Items))
        {
            if (!indicators.TryAdd(item.Id, item))
            {
                errors.Add(new ContentError(first, 0, item.Id, "the same id is used twice"));
            }
        }
        return new LanguagePack(
            code,
            sections.OrderBy(s => SectionKeys.ToList().IndexOf(s.Key)).ToList(),
            indicators,
            ReadChoices(new YamlReader(root, $"{code}/choices.yaml", errors)),
            ReadRights(new YamlReader(root, $"{code}/rights.yaml", errors)),
            ReadContacts(new YamlReader(root, $"{code}/contacts.yaml", errors)),
            ReadUi(new YamlReader(root, $"{code}/ui.yaml", errors), requiredUiKeys),
            ReadUi(new YamlReader(root, $"{code}/operators.yaml", errors), requiredOperatorKeys));
    }

    private static List<IndicatorSection> ReadIndicators(YamlReader yaml)
    {
        var sections = new List<IndicatorSection>();
        foreach (var (key, node) in YamlReader.Entries(yaml.Map(yaml.Root, "sections", "sections")))
        {
            if (!SectionKeys.Contains(key))
            {
                yaml.Error(node, key, "unknown section; known: " + string.Join(", ", SectionKeys));
                continue;
            }
            var map = node as YamlMappingNode;
            var items = new List<Indicator>();
            // One seed item may be asked as several one-idea questions: they share its cite, next to each other.
            var lastN = 0;
            foreach (var itemNode in yaml.List(map, "items", key))
            {
                var item = itemNode as YamlMappingNode;
                var id = yaml.Text(item, "id", key);
                var at = id.Length > 0 ? id : key;
                if (id.Length > 0 && (!IdPattern().IsMatch(id) || id.Length > IdLimit))
                {
                    yaml.Error(itemNode, at, $"id must be lowercase a-z, 0-9 and '-', at most {IdLimit} characters");
                }
                var cite = yaml.Text(item, "cite", at);
                var match = IndicatorCitePattern().Match(cite);
                if (cite.Length > 0 && (!match.Success || match.Groups["section"].Value != key))
                {
                    yaml.Error(itemNode, at, $"cite must be appendix-1/{key}/<n>");
                }
                else if (match.Success)
                {
                    var n = int.Parse(match.Groups["n"].Value, System.Globalization.CultureInfo.InvariantCulture);
                    if (n != lastN + 1 && n != lastN)
                    {
                        yaml.Error(itemNode, at, $"cite must number the items in order: expected appendix-1/{key}/{lastN + 1}"
                            + (lastN > 0 ? $" (or /{lastN} again for another question about the same item)" : ""));
                    }
                    lastN = n;
                }
                var indicator = new Indicator(id, cite, key,
                    yaml.Text(item, "rule", at), yaml.Text(item, "self", at), yaml.Text(item, "witness", at),
                    NullIfEmpty(yaml.Text(item, "child", at, optional: true)));
                foreach (var (name, question) in new[] { ("self", indicator.Self), ("witness", indicator.Witness), ("child", indicator.Child ?? "") })
                {
                    if (question.Length > QuestionLimit)
                    {
                        yaml.Error(itemNode, $"{at}.{name}", $"question longer than {QuestionLimit} characters");
                    }
                }
                items.Add(indicator);
            }
            sections.Add(new IndicatorSection(key, yaml.Text(map, "title", key), items));
        }
        return sections;
    }

    private static Dictionary<string, ChoiceText> ReadChoices(YamlReader yaml)
    {
        var choices = new Dictionary<string, ChoiceText>();
        foreach (var key in ChoiceKeys)
        {
            var map = yaml.Map(yaml.Root, key, key);
            var options = new Dictionary<string, string>();
            foreach (var (option, _) in YamlReader.Entries(yaml.Map(map, "options", key)))
            {
                options[option] = yaml.Text(yaml.Map(map, "options", key), option, $"{key}.options.{option}");
                if (options[option].Length > ButtonLabelLimit)
                {
                    yaml.Error(yaml.Get(yaml.Map(map, "options", key), option, key), $"{key}.options.{option}",
                        $"button label longer than {ButtonLabelLimit} characters");
                }
            }
            choices[key] = new ChoiceText(yaml.Text(map, "self", key), yaml.Text(map, "witness", key), yaml.Text(map, "child", key), options);
        }
        return choices;
    }

    private static RightsCard ReadRights(YamlReader yaml)
    {
        List<CardItem> Items(string list, int expected)
        {
            var items = new List<CardItem>();
            foreach (var node in yaml.List(yaml.Root, list, list))
            {
                var map = node as YamlMappingNode;
                var n = yaml.Number(map, "n", list);
                var at = $"{list}/{n}";
                var cite = yaml.Text(map, "cite", at);
                if (n != items.Count + 1 || cite != $"appendix-2/{list}/{n}")
                {
                    yaml.Error(node, at, $"expected n: {items.Count + 1} and cite: appendix-2/{list}/{items.Count + 1}");
                }
                items.Add(new CardItem(n, cite, yaml.Text(map, "short", at), yaml.Text(map, "text", at)));
            }
            if (items.Count != expected)
            {
                yaml.Error(yaml.Get(yaml.Root, list, list), list, $"Appendix 2 has {expected} {list}; found {items.Count}");
            }
            return items;
        }
        var card = new RightsCard(yaml.Text(yaml.Root, "title", "title"), yaml.Text(yaml.Root, "intro", "intro"),
            Items("rights", 17), Items("duties", 2), yaml.Text(yaml.Root, "closing", "closing"));
        foreach (var number in new[] { "102", "116 16" })
        {
            if (card.Closing.Length > 0 && !card.Closing.Contains(number, StringComparison.Ordinal))
            {
                yaml.Error(yaml.Get(yaml.Root, "closing", "closing"), "closing", $"the closing line must name {number}");
            }
        }
        return card;
    }

    private static List<Contact> ReadContacts(YamlReader yaml)
    {
        var contacts = new List<Contact>();
        foreach (var node in yaml.List(yaml.Root, "contacts", "contacts"))
        {
            var map = node as YamlMappingNode;
            var id = yaml.Text(map, "id", "contacts");
            contacts.Add(new Contact(id, yaml.Text(map, "number", id), yaml.Text(map, "name", id), yaml.Text(map, "what", id)));
        }
        foreach (var missing in ContactIds.Except(contacts.Select(c => c.Id)))
        {
            yaml.Error(yaml.Get(yaml.Root, "contacts", "contacts", optional: true), missing, "contact is missing");
        }
        return contacts;
    }

    private static Dictionary<string, string> ReadUi(YamlReader yaml, List<string> requiredKeys)
    {
        var texts = new Dictionary<string, string>();
        void Flatten(YamlMappingNode? map, string prefix)
        {
            foreach (var (name, node) in YamlReader.Entries(map))
            {
                var key = prefix + name;
                if (node is YamlMappingNode child)
                {
                    Flatten(child, key + ".");
                }
                else
                {
                    texts[key] = yaml.Text(map, name, key);
                    var limit = key.StartsWith("button.", StringComparison.Ordinal) ? ButtonLabelLimit : MessageLimit;
                    if (texts[key].Length > limit)
                    {
                        yaml.Error(node, key, $"longer than {limit} characters");
                    }
                }
            }
        }
        Flatten(yaml.Root, "");
        if (yaml.Root is not null)
        {
            foreach (var missing in requiredKeys.Except(texts.Keys))
            {
                yaml.Error(0, missing, "text is missing");
            }
        }
        return texts;
    }

    private static ScreeningPlan ReadPlan(string root, LanguagePack reference, List<ContentError> errors)
    {
        var yaml = new YamlReader(root, "screening.yaml", errors);
        IReadOnlyList<string> Ids(YamlMappingNode? map, string name, string key)
        {
            var ids = yaml.Strings(map, name, key);
            foreach (var id in ids.Where(id => !reference.Indicators.ContainsKey(id)))
            {
                yaml.Error(yaml.Get(map, name, key), key, $"'{id}' is not an indicator id");
            }
            return ids;
        }
        var followUps = new Dictionary<Form, IReadOnlyList<string>>();
        var formsMap = yaml.Map(yaml.Root, "forms", "forms");
        foreach (var (key, form) in Forms.ByKey)
        {
            followUps[form] = Ids(formsMap, key, $"forms.{key}");
        }
        var choices = new Dictionary<string, IReadOnlyList<ChoiceOption>>();
        var choicesMap = yaml.Map(yaml.Root, "choices", "choices");
        foreach (var choice in ChoiceKeys)
        {
            var options = new List<ChoiceOption>();
            foreach (var node in yaml.List(choicesMap, choice, $"choices.{choice}"))
            {
                var map = node as YamlMappingNode;
                var id = yaml.Text(map, "option", $"choices.{choice}");
                var at = $"choices.{choice}.{id}";
                if (id.Length > 0 && (!IdPattern().IsMatch(id) || id.Length > IdLimit))
                {
                    yaml.Error(node, at, "option id must be lowercase a-z, 0-9 and '-'");
                }
                var forms = new List<Form>();
                foreach (var formKey in yaml.Strings(map, "forms", at, optional: true))
                {
                    if (Forms.ByKey.TryGetValue(formKey, out var form))
                    {
                        forms.Add(form);
                    }
                    else
                    {
                        yaml.Error(node, at, $"'{formKey}' is not a form; known: " + string.Join(", ", Forms.ByKey.Keys));
                    }
                }
                options.Add(new ChoiceOption(id, yaml.Get(map, "indicators", at, optional: true) is null ? [] : Ids(map, "indicators", at), forms));
            }
            choices[choice] = options;
        }
        var maxQuestions = yaml.Number(yaml.Root, "max_questions", "max_questions");
        return new ScreeningPlan(maxQuestions, Ids(yaml.Root, "core", "core"), Ids(yaml.Root, "minor", "minor"), followUps, choices);
    }

    /// <summary>Every language must hold the same ids, cites, keys and placeholders as Kazakh, the original.</summary>
    private static void CompareLanguages(Dictionary<string, LanguagePack> languages, List<ContentError> errors)
    {
        var original = languages["kk"];
        foreach (var pack in languages.Values.Where(p => p != original))
        {
            void Differ(string file, string key, string message) => errors.Add(new ContentError($"{pack.Code}/{file}", 0, key, message));
            foreach (var (id, item) in original.Indicators)
            {
                if (!pack.Indicators.TryGetValue(id, out var other))
                {
                    Differ("indicators/", id, "missing here but present in kk");
                }
                else if (other.Cite != item.Cite)
                {
                    Differ("indicators/", id, $"cite {other.Cite} differs from kk's {item.Cite}");
                }
            }
            foreach (var id in pack.Indicators.Keys.Except(original.Indicators.Keys))
            {
                Differ("indicators/", id, "not in kk");
            }
            foreach (var (file, texts, originals) in new[] { ("ui.yaml", pack.Ui, original.Ui), ("operators.yaml", pack.Operators, original.Operators) })
            {
                foreach (var key in originals.Keys.Except(texts.Keys))
                {
                    Differ(file, key, "missing here but present in kk");
                }
                foreach (var key in texts.Keys.Except(originals.Keys))
                {
                    Differ(file, key, "not in kk");
                }
                foreach (var (key, text) in originals)
                {
                    if (texts.TryGetValue(key, out var other) && !Placeholders(text).SetEquals(Placeholders(other)))
                    {
                        Differ(file, key, "placeholders {…} differ from kk");
                    }
                }
            }
            foreach (var contact in original.Contacts)
            {
                var other = pack.Contacts.FirstOrDefault(c => c.Id == contact.Id);
                if (other is not null && other.Number != contact.Number)
                {
                    Differ("contacts.yaml", contact.Id, $"number {other.Number} differs from kk's {contact.Number}");
                }
            }
        }
    }

    private static void CheckChoices(LanguagePack pack, ScreeningPlan plan, List<ContentError> errors)
    {
        foreach (var (choice, options) in plan.Choices)
        {
            if (!pack.Choices.TryGetValue(choice, out var texts))
            {
                continue;
            }
            foreach (var option in options.Where(o => !texts.Options.ContainsKey(o.Id)))
            {
                errors.Add(new ContentError($"{pack.Code}/choices.yaml", 0, $"{choice}.options.{option.Id}", "no button label for this option"));
            }
        }
    }

    private static HashSet<string> Placeholders(string text) => PlaceholderPattern().Matches(text).Select(m => m.Value).ToHashSet();

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;
}
