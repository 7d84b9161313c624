using Slipway.Configuration;

namespace Slipway.Platforms;

/// <summary>A platform with inputs of its own to prove before a deploy starts (a certificate and its key, say): bad input is refused before anything is locked, recorded or changed.</summary>
public interface IInputCheck
{
    /// <summary>Throws the one-line error for the first input the platform cannot use.</summary>
    void CheckInputs(AppManifest app);
}
