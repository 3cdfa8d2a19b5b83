using Descent.Engine.Data;
using Xunit;

namespace Descent.Tests.Data;

/// <summary>
/// What a test does when a real dataset it needs is out of reach: skip with the reason, except on CI
/// (CI=true), where it fails, since CI must test real data.
/// </summary>
public static class RequiredData
{
    /// <summary>
    /// Runs <paramref name="obtain"/>, turning its <see cref="DataUnavailableException"/> into a skip or,
    /// on CI, a failure.
    /// </summary>
    public static async Task<T> ObtainAsync<T>(DatasetFamily family, Func<Task<T>> obtain)
    {
        try
        {
            return await obtain();
        }
        catch (DataUnavailableException e)
        {
            throw Unavailable(family, e.Message);
        }
    }

    /// <summary>What to throw when <paramref name="family"/> could not be obtained for <paramref name="reason"/>.</summary>
    public static Exception Unavailable(DatasetFamily family, string reason) =>
        Environment.GetEnvironmentVariable("CI") == "true"
            ? new Xunit.Sdk.XunitException($"{family.Title} is required on CI (CI=true) but could not be obtained: {reason}")
            : new SkipException($"{family.Title} could not be obtained: {reason}");
}
