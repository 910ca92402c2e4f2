namespace Bot.Dialogs;

public enum Step
{
    /// <summary>The superstate of every step: commands work at any point.</summary>
    Active,
    Language, Privacy, Safety, Urgent, Contact, Role, Age, Location, Screening, Result, Rights,
    Gender, Destination, Consent, Waiting, Menu,
}

public enum Role { Self, Witness, RightsOnly }

public enum Age { Under18, Adult, NotSure }

public enum Answer { Yes, No, NotSure, Skipped }

public enum Gender { Woman, Man, NoPreference }

public enum Destination { Hotline, Police }

/// <summary>A screen waiting to be asked; lower ranks first (the situation's follow-ups before the place's).</summary>
public sealed record QueuedScreen(string Id, int Rank);

/// <summary>
/// Everything the bot remembers about one conversation: plain data, saved after every turn, so a
/// restart never loses a conversation. No name, no free text.
/// </summary>
public sealed class ConversationState
{
    public Step Step { get; set; } = Step.Language;
    public string? Language { get; set; }
    /// <summary>Counts the prompts shown; an option carries it, so a stale button is recognised.</summary>
    public int Prompt { get; set; }
    public bool InDanger { get; set; }
    public bool NeedsDoctor { get; set; }
    public Role? Role { get; set; }
    public Age? Age { get; set; }
    public bool? Abroad { get; set; }
    /// <summary>The screen on screen: a screen id of the plan, or an indicator id (a yes/no question).</summary>
    public string? Question { get; set; }
    /// <summary>Screens still to ask, in the order they will be asked.</summary>
    public List<QueuedScreen> Pending { get; set; } = [];
    /// <summary>Screens shown so far, and the reading time they took, against the plan's budget.</summary>
    public int Asked { get; set; }
    public double ReadingSeconds { get; set; }
    public List<string> Shown { get; set; } = [];
    /// <summary>The options ticked on the "tap all that apply" screen on screen.</summary>
    public List<string> Ticked { get; set; } = [];
    public Dictionary<string, Answer> Answers { get; set; } = [];
    /// <summary>The options chosen on each choice screen (who, place, situation).</summary>
    public Dictionary<string, List<string>> Choices { get; set; } = [];
    public List<string> PointedForms { get; set; } = [];
    /// <summary>Clause 7: the items the person took out on the consent screen: they are not sent.</summary>
    public List<string> Withheld { get; set; } = [];
    public int RightsPage { get; set; }
    public Gender? Gender { get; set; }
    public Destination? Destination { get; set; }
    public DateTimeOffset? ConsentAt { get; set; }
    public Guid? EscalationId { get; set; }
    /// <summary>An operator has joined (warm transfer): typed text goes to them and the bot stays silent.</summary>
    public bool WithOperator { get; set; }
    /// <summary>Anonymous count of where people came from (a poster's or leaflet's deep link).</summary>
    public string? Source { get; set; }

    /// <summary>
    /// A fresh conversation, keeping only what is given (the language and source on /start, nothing on /exit and /forget)
    /// and the prompt counter, so a button from before is still recognised as stale. The step is the machine's to set.
    /// </summary>
    public void Clear(string? language = null, string? source = null)
    {
        Language = language;
        Source = source;
        InDanger = false;
        NeedsDoctor = false;
        Role = null;
        Age = null;
        Abroad = null;
        Question = null;
        Pending = [];
        Asked = 0;
        ReadingSeconds = 0;
        Shown = [];
        Ticked = [];
        Withheld = [];
        Answers = [];
        Choices = [];
        PointedForms = [];
        RightsPage = 0;
        Gender = null;
        Destination = null;
        ConsentAt = null;
        EscalationId = null;
        WithOperator = false;
    }

    /// <summary>Clause 14: when the age is not known the person is presumed to be a minor.</summary>
    public bool Minor => Age is not Dialogs.Age.Adult;
}
