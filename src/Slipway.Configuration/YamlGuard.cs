using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Slipway.Configuration;

/// <summary>
/// Checks the manifest's YAML as a stream of events before any tree is built: every mapping key must be a
/// plain value. A list, a mapping or an alias as a key is never meaningful in a manifest, and an alias to a
/// nested list as a key ("billion laughs") would make building the tree hash it for minutes.
/// </summary>
internal static class YamlGuard
{
    public static void Check(string yaml, string file)
    {
        var parser = new Parser(new StringReader(yaml));
        // For each open collection: is it a mapping, and is its next node a key?
        var open = new Stack<(bool Mapping, bool ExpectKey)>();
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            var atKey = open.Count > 0 && open.Peek() is { Mapping: true, ExpectKey: true };
            switch (current)
            {
                case MappingStart or SequenceStart or AnchorAlias when atKey:
                    throw ManifestLoader.Invalid(file, current.Start.Line, "", "a key must be a plain name, not a list, a mapping or an alias",
                        "write the key as a word, e.g. replicas:");
                case MappingStart:
                    Advance(open);
                    open.Push((true, true));
                    break;
                case SequenceStart:
                    Advance(open);
                    open.Push((false, false));
                    break;
                case MappingEnd or SequenceEnd:
                    open.Pop();
                    break;
                case Scalar or AnchorAlias:
                    Advance(open);
                    break;
            }
        }
    }

    /// <summary>A node was read in the innermost collection: in a mapping, keys and values alternate.</summary>
    private static void Advance(Stack<(bool Mapping, bool ExpectKey)> open)
    {
        if (open.Count == 0) return;
        var (mapping, expectKey) = open.Pop();
        open.Push((mapping, mapping && !expectKey));
    }
}
