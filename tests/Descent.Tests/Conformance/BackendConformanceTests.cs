using Descent.Kernels.Conformance;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>
/// The conformance suite, one test per case, written once for every backend; a case also fails when the
/// device reports a problem of its own while it runs (<see cref="BackendFixture.DeviceMessages"/>).
/// A backend joins with a fixture that creates it and a subclass that names the fixture:
/// <code>
/// public sealed class IlgpuCpuFixture() : BackendFixture(IlgpuBackend.CreateCpu());
/// public sealed class IlgpuCpuConformanceTests(IlgpuCpuFixture fixture) : BackendConformanceTests(fixture), IClassFixture&lt;IlgpuCpuFixture&gt;;
/// </code>
/// </summary>
public abstract class BackendConformanceTests(BackendFixture fixture)
{
    public static TheoryData<string> CaseNames
    {
        get
        {
            var names = new TheoryData<string>();
            foreach (var testCase in ConformanceSuite.Cases)
            {
                names.Add(testCase.Name);
            }
            return names;
        }
    }

    [SkippableTheory]
    [MemberData(nameof(CaseNames), MemberType = typeof(BackendConformanceTests))]
    public void Case_passes(string name)
    {
        var backend = fixture.Backend;
        var messagesBefore = fixture.DeviceMessages.Count;
        var result = ConformanceSuite.Cases.Single(testCase => testCase.Name == name).Run(backend);

        var newMessages = fixture.DeviceMessages.Skip(messagesBefore).ToList();
        Assert.True(newMessages.Count == 0, $"{name} on {backend.Name}: the device reported {string.Join(Environment.NewLine, newMessages)}");
        Assert.True(result.Passed,
            $"{name} on {fixture.Backend.Name}: max abs error {result.MaxAbsError:G4}, worst ratio {result.WorstRatio:G4} " +
            $"to the bound {result.Bound}; {result.Detail}");
    }
}
