using Descent.Engine.Losses;
using Descent.Kernels;
using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Engine;

/// <summary>The loss a run reports is the loss PyTorch reports for the same setting.</summary>
public sealed class LossFunctionTests
{
    [Fact]
    public void Smoothed_cross_entropy_reports_the_smoothed_loss_in_its_metric_slot()
    {
        using var backend = new CpuBackend();
        var loss = LossFunction.CrossEntropy.WithLabelSmoothing(0.1f);
        using var logits = backend.Allocate<float>(6);
        using var labels = backend.Allocate<int>(2);
        using var gradient = backend.Allocate<float>(6);
        using var rowStats = backend.Allocate<float>(4);
        using var metrics = backend.Allocate<float>(MetricSlot.Width);
        backend.Upload<float>(logits, [1f, 2f, 3f, 1f, 2f, 3f]);
        backend.Upload<int>(labels, [0, 2]);

        loss.ForwardBackward(backend, logits, labels, gradient, rowStats, metrics, 0, 2, 3);

        // F.cross_entropy([[1, 2, 3], [1, 2, 3]], [0, 2], label_smoothing=0.1, reduction='sum'):
        // 2.30760596 for label 0 and 0.9 * 0.40760596 + 0.1 * 1.40760596 = 0.50760596 for label 2.
        var slot = new float[MetricSlot.Width];
        backend.Download(metrics, slot);
        Assert.Equal(0.1f, loss.LabelSmoothing);
        Assert.Equal(2.30760596 + 0.50760596, slot[MetricSlot.LossSum], 5);
    }

    [Fact]
    public void Label_smoothing_is_refused_for_a_binary_loss_and_outside_0_to_1()
    {
        Assert.Throws<InvalidInputException>(() => LossFunction.Mnist.WithLabelSmoothing(0.1f));
        Assert.Throws<InvalidInputException>(() => LossFunction.CrossEntropy.WithLabelSmoothing(1.5f));
        Assert.Same(LossFunction.Mnist, LossFunction.Mnist.WithLabelSmoothing(0f));
    }
}
