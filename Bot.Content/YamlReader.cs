using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bot.Content;

public sealed record ContentError(string File, long Line, string Key, string Message)
{
    public override string ToString() => $"{File}:{Line}  {Key}  {Message}";
}

public sealed class ContentException(IReadOnlyList<ContentError> errors)
    : Exception("Content is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<ContentError> Errors { get; } = errors;
}

/// <summary>Reads one YAML file and records every problem with its file, line and key instead of throwing.</summary>
internal sealed class YamlReader
{
    private readonly List<ContentError> _errors;

    public string File { get; }
    public YamlMappingNode? Root { get; }

    public YamlReader(string root, string relativePath, List<ContentError> errors)
    {
        _errors = errors;
        File = relativePath.Replace('\\', '/');
        var fullPath = Path.Combine(root, relativePath);
        if (!System.IO.File.Exists(fullPath))
        {
            Error(0, "", "file is missing");
            return;
        }
        try
        {
            using var text = new StreamReader(fullPath);
            var stream = new YamlStream();
            stream.Load(text);
            Root = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
            if (Root is null)
            {
                Error(1, "", "the file must hold a mapping (key: value lines)");
            }
        }
        catch (YamlException e)
        {
            Error(e.Start.Line, "", "not valid YAML: " + e.Message);
        }
    }

    public void Error(long line, string key, string message) => _errors.Add(new ContentError(File, line, key, message));

    public void Error(YamlNode? node, string key, string message) => Error(node?.Start.Line ?? 0, key, message);

    public YamlNode? Get(YamlMappingNode? map, string name, string key, bool optional = false)
    {
        if (map is null)
        {
            return null;
        }
        if (map.Children.TryGetValue(new YamlScalarNode(name), out var node))
        {
            return node;
        }
        if (!optional)
        {
            Error(map, key, $"'{name}' is missing");
        }
        return null;
    }

    public string Text(YamlMappingNode? map, string name, string key, bool optional = false)
    {
        var node = Get(map, name, key, optional);
        if (node is null)
        {
            return "";
        }
        if (node is not YamlScalarNode { Value: { } value } || string.IsNullOrWhiteSpace(value))
        {
            if (!optional)
            {
                Error(node, key, "must be non-empty text");
            }
            return "";
        }
        return value.Trim();
    }

    public int Number(YamlMappingNode? map, string name, string key)
    {
        var node = Get(map, name, key);
        if (node is YamlScalarNode { Value: { } value } && int.TryParse(value, out var number))
        {
            return number;
        }
        if (node is not null)
        {
            Error(node, key, "must be a whole number");
        }
        return 0;
    }

    public YamlMappingNode? Map(YamlMappingNode? map, string name, string key, bool optional = false)
    {
        var node = Get(map, name, key, optional);
        if (node is null or YamlMappingNode)
        {
            return node as YamlMappingNode;
        }
        Error(node, key, "must be a mapping (name: value lines)");
        return null;
    }

    public IReadOnlyList<YamlNode> List(YamlMappingNode? map, string name, string key, bool optional = false)
    {
        var node = Get(map, name, key, optional);
        if (node is YamlSequenceNode sequence)
        {
            return sequence.Children.ToList();
        }
        if (node is not null)
        {
            Error(node, key, "must be a list");
        }
        return [];
    }

    public IReadOnlyList<string> Strings(YamlMappingNode? map, string name, string key, bool optional = false)
    {
        var items = new List<string>();
        foreach (var node in List(map, name, key, optional))
        {
            if (node is YamlScalarNode { Value: { Length: > 0 } value })
            {
                items.Add(value.Trim());
            }
            else
            {
                Error(node, key, "every entry must be non-empty text");
            }
        }
        return items;
    }

    public static IEnumerable<(string Name, YamlNode Value)> Entries(YamlMappingNode? map) =>
        map is null ? [] : map.Children.Select(pair => (((YamlScalarNode)pair.Key).Value ?? "", pair.Value));
}
