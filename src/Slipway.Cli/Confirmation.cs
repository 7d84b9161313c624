using Slipway.Foundation;

namespace Slipway.Cli;

/// <summary>Asks the user before a destructive step: yes with --yes, a prompt on a terminal, otherwise a clear refusal.</summary>
public sealed class Confirmation(bool assumeYes)
{
    public bool Confirm(string question, string flagHint)
    {
        if (assumeYes) return true;
        if (Console.IsInputRedirected)
            throw new SlipwayException(ErrorCode.ConfirmationRequired, $"{question} (needs confirmation and no terminal is attached)", flagHint);
        Console.Error.Write($"{question} [y/N] ");
        return Console.ReadLine()?.Trim().ToLowerInvariant() is "y" or "yes";
    }

    /// <summary>For what cannot be undone: the user types <paramref name="expected"/> (an app's name) to go on.</summary>
    public bool ConfirmByTyping(string warning, string expected, string flagHint)
    {
        if (assumeYes) return true;
        if (Console.IsInputRedirected)
            throw new SlipwayException(ErrorCode.ConfirmationRequired, $"{warning} (needs confirmation and no terminal is attached)", flagHint);
        Console.Error.Write($"{warning} Type {expected} to confirm: ");
        return Console.ReadLine()?.Trim() == expected;
    }
}
