namespace Slipway.Tests.Support;

public static class Eventually
{
    /// <summary>Polls until the condition holds; fails the test with the description when the time runs out.</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string description)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                if (await condition()) return;
            }
            catch (HttpRequestException) { }
            if (DateTime.UtcNow > deadline) Assert.Fail($"timed out after {timeout.TotalSeconds:0}s waiting until {description}");
            await Task.Delay(50);
        }
    }
}
