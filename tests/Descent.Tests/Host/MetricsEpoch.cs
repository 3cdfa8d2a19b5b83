using System.Text.Json;
using Xunit;

namespace Descent.Tests.Host;

/// <summary>One row of a `--metrics-out` file without a split: the epoch's training loss, test loss and accuracy.</summary>
internal sealed record MetricsEpoch(double TrainLoss, double TestLoss, double Accuracy)
{
    /// <summary>Every epoch row of the metrics file at <paramref name="metricsPath"/>, in order.</summary>
    public static List<MetricsEpoch> Read(string metricsPath)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(metricsPath));
        return document.RootElement.GetProperty("epochs").EnumerateArray()
            .Select(row => new MetricsEpoch(row.GetProperty("train_loss").GetDouble(), row.GetProperty("test_loss").GetDouble(),
                row.GetProperty("accuracy").GetDouble()))
            .ToList();
    }

    /// <summary>
    /// Both runs hold <paramref name="epochs"/> rows, and every epoch's training and test loss of <paramref name="actual"/> is
    /// within <paramref name="relativeTolerance"/> of <paramref name="expected"/>'s; <paramref name="what"/> names the run.
    /// </summary>
    public static void AssertLossesClose(IReadOnlyList<MetricsEpoch> expected, IReadOnlyList<MetricsEpoch> actual, int epochs,
        double relativeTolerance, string what)
    {
        Assert.Equal(epochs, expected.Count);
        Assert.Equal(epochs, actual.Count);
        for (var epoch = 0; epoch < epochs; epoch++)
        {
            AssertClose(expected[epoch].TrainLoss, actual[epoch].TrainLoss, relativeTolerance, $"{what} epoch {epoch + 1} training loss");
            AssertClose(expected[epoch].TestLoss, actual[epoch].TestLoss, relativeTolerance, $"{what} epoch {epoch + 1} test loss");
        }
    }

    /// <summary>|expected - actual| within <paramref name="relativeTolerance"/> of |expected|.</summary>
    public static void AssertClose(double expected, double actual, double relativeTolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= relativeTolerance * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}");
}
