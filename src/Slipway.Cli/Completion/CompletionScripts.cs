using System.CommandLine;
using System.Text;

namespace Slipway.Cli.Completion;

/// <summary>
/// Shell completion scripts generated from the command tree itself, so a new command or option completes
/// without anyone editing a script: subcommands, options (long and short), and the values an option takes
/// when they are known (environments, shells).
/// </summary>
public static class CompletionScripts
{
    public static readonly string[] Shells = ["bash", "zsh", "fish"];

    /// <summary>One command path (e.g. "lock status") and what may follow it.</summary>
    private sealed record Node(string Path, IReadOnlyList<Command> Subcommands, IReadOnlyList<Option> Options);

    private static IEnumerable<Node> Walk(Command command, string path)
    {
        var subcommands = command.Subcommands.Where(c => !c.Hidden).ToList();
        yield return new Node(path, subcommands, command.Options.Where(o => !o.Hidden).ToList());
        foreach (var sub in subcommands)
            foreach (var node in Walk(sub, path.Length == 0 ? sub.Name : $"{path} {sub.Name}")) yield return node;
    }

    private static IEnumerable<string> Names(Option option) => option.Aliases.Prepend(option.Name).Distinct();

    /// <summary>The values an option takes, when there is a fixed set to offer.</summary>
    private static IReadOnlyList<string> Values(Option option) =>
        option.GetCompletions(System.CommandLine.Completions.CompletionContext.Empty).Select(c => c.Label).ToList();

    public static string For(string shell, RootCommand root) => shell switch
    {
        "bash" => Bash(root),
        "zsh" => Zsh(root),
        "fish" => Fish(root),
        _ => throw new ArgumentOutOfRangeException(nameof(shell), shell, null),
    };

    private static string Bash(RootCommand root) => Script(Walk(root, "").ToList(), """
        # bash completion for slipway: add `source <(slipway completion bash)` to ~/.bashrc
        _slipway() {
          local cur prev cmdpath word i
          cur="${COMP_WORDS[COMP_CWORD]}"
          prev="${COMP_WORDS[COMP_CWORD-1]}"
          cmdpath=""
          for ((i = 1; i < COMP_CWORD; i++)); do
            word="${COMP_WORDS[i]}"
        """, "$prev",
        option => $"COMPREPLY=($(compgen -W \"{string.Join(' ', Values(option))}\" -- \"$cur\"))",
        node => $"COMPREPLY=($(compgen -W \"{string.Join(' ', node.Subcommands.Select(c => c.Name).Concat(node.Options.SelectMany(Names)))}\" -- \"$cur\"))",
        "complete -o default -F _slipway slipway\n");

    private static string Zsh(RootCommand root) => Script(Walk(root, "").ToList(), """
        #compdef slipway
        # zsh completion for slipway: add `source <(slipway completion zsh)` to ~/.zshrc (after compinit)
        _slipway() {
          local -a described
          local cmdpath="" word i
          for ((i = 2; i < CURRENT; i++)); do
            word="${words[i]}"
        """, "${words[CURRENT-1]}",
        option => $"compadd -- {string.Join(' ', Values(option))}",
        node => $"described=({string.Join(' ', node.Subcommands.Select(c => $"'{c.Name}:{Quote(c.Description)}'"))}); _describe command described; "
                + $"compadd -- {string.Join(' ', node.Options.SelectMany(Names))}",
        "compdef _slipway slipway\n");

    /// <summary>
    /// The shape bash and zsh share: find the command path among the words typed so far (options and their values
    /// skipped), complete an option's value after it, else the path's subcommands and options.
    /// </summary>
    private static string Script(IReadOnlyList<Node> nodes, string header, string previousWord,
        Func<Option, string> completeValue, Func<Node, string> completeNode, string footer)
    {
        var text = new StringBuilder(header).Append("""

                [[ $word == -* ]] && continue
                case "${cmdpath:+$cmdpath }$word" in

            """);
        foreach (var node in nodes.Where(n => n.Path.Length > 0))
            text.Append($"      \"{node.Path}\") cmdpath=\"{node.Path}\" ;;\n");
        text.Append($"    esac\n  done\n  case \"{previousWord}\" in\n");
        foreach (var option in nodes.SelectMany(n => n.Options).Where(o => Values(o).Count > 0).DistinctBy(o => o.Name))
            text.Append($"    {string.Join('|', Names(option))}) {completeValue(option)}; return ;;\n");
        text.Append("  esac\n  case \"$cmdpath\" in\n");
        foreach (var node in nodes) text.Append($"    \"{node.Path}\") {completeNode(node)} ;;\n");
        return text.Append("  esac\n}\n").Append(footer).ToString();
    }

    private static string Quote(string? description) => (description ?? "").Split('.', ':')[0].Replace("'", "'\\''");

    private static string Fish(RootCommand root)
    {
        var text = new StringBuilder("# fish completion for slipway: slipway completion fish > ~/.config/fish/completions/slipway.fish\ncomplete -c slipway -f\n");
        foreach (var node in Walk(root, ""))
        {
            var words = node.Path.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            // Completes here when every word of the path is on the line and none of this level's subcommands is.
            var condition = words.Length == 0 ? "__fish_use_subcommand"
                : string.Join("; and ", words.Select(w => $"__fish_seen_subcommand_from {w}"))
                  + (node.Subcommands.Count == 0 ? "" : $"; and not __fish_seen_subcommand_from {string.Join(' ', node.Subcommands.Select(c => c.Name))}");
            foreach (var sub in node.Subcommands)
                text.Append($"complete -c slipway -n '{condition}' -a {sub.Name} -d '{Describe(sub.Description)}'\n");
            foreach (var option in node.Options)
            {
                var flags = string.Join(' ', Names(option).Select(n => n.StartsWith("--", StringComparison.Ordinal) ? $"-l {n[2..]}" : $"-s {n.TrimStart('-')}"));
                var values = Values(option) is { Count: > 0 } v ? $" -r -a '{string.Join(' ', v)}'" : "";
                text.Append($"complete -c slipway -n '{condition}' {flags}{values} -d '{Describe(option.Description)}'\n");
            }
        }
        return text.ToString();

        static string Describe(string? description) => (description ?? "").Split(". ")[0].Replace("'", "\\'");
    }
}
