using Descent.Kernels;
using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Conformance;

/// <summary>
/// The ground truth anchored to numbers worked out by hand: if ReferenceMath were wrong, every backend
/// would be held to the same wrong answer and the conformance suite could not tell.
/// </summary>
public sealed class ReferenceMathTests
{
    private const int Precision = 12;

    [Fact]
    public void Gemm_multiplies_two_by_two_matrices_in_every_transpose_combination()
    {
        double[] a = [1, 2, 3, 4];
        double[] b = [5, 6, 7, 8];
        // [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50]
        AssertGemm(a, b, false, false, [19, 22, 43, 50]);
        // [1 2; 3 4] [5 7; 6 8] = [17 23; 39 53]
        AssertGemm(a, b, false, true, [17, 23, 39, 53]);
        // [1 3; 2 4] [5 6; 7 8] = [26 30; 38 44]
        AssertGemm(a, b, true, false, [26, 30, 38, 44]);
        // [1 3; 2 4] [5 7; 6 8] = [23 31; 34 46]
        AssertGemm(a, b, true, true, [23, 31, 34, 46]);
    }

    [Fact]
    public void Gemm_scales_by_alpha_and_adds_beta_times_c()
    {
        double[] c = [1, 1, 1, 1];
        ReferenceMath.Gemm(c, [1, 2, 3, 4], [5, 6, 7, 8], 2, 2, 2, false, false, alpha: 0.5, beta: 2);
        Assert.Equal([11.5, 13, 23.5, 27], c);
    }

    [Fact]
    public void Gemm_with_beta_zero_ignores_nan_in_c()
    {
        double[] c = [double.NaN];
        ReferenceMath.Gemm(c, [3], [4], 1, 1, 1, false, false, alpha: 1, beta: 0);
        Assert.Equal(12, c[0]);
    }

    [Fact]
    public void Bias_add_broadcasts_over_rows_and_backward_sums_columns()
    {
        double[] y = [1, 2, 3, 4, 5, 6];
        ReferenceMath.BiasAdd(y, [10, 20, 30], 2, 3);
        Assert.Equal([11, 22, 33, 14, 25, 36], y);

        double[] dBias = [100, 100, 100];
        ReferenceMath.BiasBackward(dBias, [1, 2, 3, 4, 5, 6], 2, 3, beta: 1);
        Assert.Equal([105, 107, 109], dBias);
        ReferenceMath.BiasBackward(dBias, [1, 2, 3, 4, 5, 6], 2, 3, beta: 0);
        Assert.Equal([5, 7, 9], dBias);
    }

    [Fact]
    public void Activations_and_their_derivatives_match_hand_values()
    {
        Assert.Equal(0, ReferenceMath.Activate(Activation.Relu, -2));
        Assert.Equal(3, ReferenceMath.Activate(Activation.Relu, 3));
        Assert.Equal(0.5, ReferenceMath.Activate(Activation.Sigmoid, 0));
        // sigmoid(ln 3) = 1 / (1 + 1/3) = 0.75
        Assert.Equal(0.75, ReferenceMath.Activate(Activation.Sigmoid, Math.Log(3)), Precision);
        // tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6
        Assert.Equal(0.6, ReferenceMath.Activate(Activation.Tanh, Math.Log(2)), Precision);
        // Leaky ReLU's slope is 0.01 in float, as the backends hold it: equal to 0.01 to 7 digits.
        Assert.Equal(-0.02, ReferenceMath.Activate(Activation.LeakyRelu, -2), 7);
        Assert.Equal(3, ReferenceMath.Activate(Activation.LeakyRelu, 3));
        Assert.True(double.IsNaN(ReferenceMath.Activate(Activation.LeakyRelu, double.NaN)));

        var dX = new double[3];
        ReferenceMath.ActivationBackward(Activation.Relu, dX, [5, 5, double.NaN], [0, 2, 0], 3);
        Assert.Equal([0, 5, 0], dX);
        ReferenceMath.ActivationBackward(Activation.Sigmoid, dX, [2, 2, 2], [0.5, 0.75, 1], 3);
        Assert.Equal([0.5, 0.375, 0], dX);
        ReferenceMath.ActivationBackward(Activation.Tanh, dX, [2, 2, 2], [0, 0.6, 1], 3);
        Assert.Equal([2, 1.28, 0], dX, new PrecisionComparer(Precision));
        ReferenceMath.ActivationBackward(Activation.LeakyRelu, dX, [5, 5, 5], [-0.5, 2, 0], 3);
        Assert.Equal([0.05, 5, 0.05], dX, new PrecisionComparer(7));
    }

    [Fact]
    public void Sigmoid_stays_finite_far_into_saturation()
    {
        Assert.Equal(1, ReferenceMath.Sigmoid(1000));
        Assert.Equal(0, ReferenceMath.Sigmoid(-1000));
        Assert.Equal(Math.Exp(-100), ReferenceMath.Sigmoid(-100), 1e-50);
    }

    [Fact]
    public void Softmax_of_zero_and_ln3_is_a_quarter_and_three_quarters()
    {
        var y = new double[2];
        ReferenceMath.SoftmaxForward(y, [0, Math.Log(3)], 1, 2);
        Assert.Equal([0.25, 0.75], y, new PrecisionComparer(Precision));

        ReferenceMath.SoftmaxForward(y, [1000, 1000], 1, 2);
        Assert.Equal([0.5, 0.5], y);
    }

    [Fact]
    public void Softmax_cross_entropy_of_uniform_logits_is_ln_c()
    {
        var rowLoss = new double[2];
        var rowCorrect = new double[2];
        double[] logits = [2, 2, 2, 2, 0, Math.Log(3), 0, 0];
        int[] labels = [1, 1];
        ReferenceMath.SoftmaxCrossEntropyForward(rowLoss, rowCorrect, logits, labels, 2, 4);
        Assert.Equal(Math.Log(4), rowLoss[0], Precision);
        // Row 2: softmax = [1, 3, 1, 1] / 6, so -log(3/6) = ln 2.
        Assert.Equal(Math.Log(2), rowLoss[1], Precision);
        // Row 1 ties everywhere: the first maximum (index 0) wins, so label 1 is not the argmax.
        Assert.Equal([0, 1], rowCorrect);

        var dLogits = new double[8];
        ReferenceMath.SoftmaxCrossEntropyBackward(dLogits, logits, labels, 2, 4);
        // (p - onehot) / B with B = 2.
        Assert.Equal([0.125, -0.375, 0.125, 0.125, 1.0 / 12, -0.25, 1.0 / 12, 1.0 / 12], dLogits, new PrecisionComparer(Precision));
    }

    [Fact]
    public void Softmax_cross_entropy_gives_a_label_out_of_range_a_nan_loss()
    {
        var rowLoss = new double[2];
        var rowCorrect = new double[2];
        ReferenceMath.SoftmaxCrossEntropyForward(rowLoss, rowCorrect, [1, 0, 1, 0], [2, -1], 2, 2);
        Assert.All(rowLoss, loss => Assert.True(double.IsNaN(loss)));
        Assert.Equal([0, 0], rowCorrect);
    }

    [Fact]
    public void Binary_losses_at_a_logit_of_zero_match_hand_values()
    {
        // p = sigmoid(0) = 0.5 for both rows; targets 1 and 0.
        AssertBinaryLoss(BinaryLoss.Mnist, [0.5, 0.5], [-0.125, 0.125]);
        AssertBinaryLoss(BinaryLoss.BinaryCrossEntropy, [Math.Log(2), Math.Log(2)], [-0.25, 0.25]);
        AssertBinaryLoss(BinaryLoss.MeanSquaredError, [0.25, 0.25], [-0.125, 0.125]);
    }

    [Fact]
    public void Binary_cross_entropy_is_stable_at_large_logits()
    {
        var rowLoss = new double[4];
        ReferenceMath.BinaryLossForward(BinaryLoss.BinaryCrossEntropy, rowLoss, new double[4], [100, 100, -100, -100], [1, 0, 1, 0], 4);
        Assert.Equal([0, 100, 100, 0], rowLoss, new PrecisionComparer(Precision));
    }

    [Fact]
    public void Binary_correct_flag_is_p_above_half_equals_target_one()
    {
        var rowCorrect = new double[4];
        ReferenceMath.BinaryLossForward(BinaryLoss.Mnist, new double[4], rowCorrect, [1, 1, -1, 0], [1, 0, 0, 1], 4);
        // p = 0.5 is not above a half, so a logit of 0 predicts class 0.
        Assert.Equal([1, 0, 1, 0], rowCorrect);
    }

    [Fact]
    public void Metric_slot_sums_rows_and_flags_a_nan_without_touching_other_slots()
    {
        var metrics = new double[3 * MetricSlot.Width];
        Array.Fill(metrics, -1);
        ReferenceMath.WriteMetricSlot(metrics, 1, [0.5, 1.5, 2], [1, 0, 1], 3);
        Assert.Equal([-1, -1, -1, 4, 2, 0, -1, -1, -1], metrics);

        ReferenceMath.WriteMetricSlot(metrics, 2, [0.5, double.NaN], [1, 0], 2);
        Assert.Equal(1, metrics[2 * MetricSlot.Width + MetricSlot.NonFinite]);
    }

    [Fact]
    public void Sgd_step_with_momentum_and_weight_decay_matches_hand_values()
    {
        double[] parameters = [1];
        double[] velocity = [0.5];
        // g = 0.2 + 0.1 * 1 = 0.3; v = 0.9 * 0.5 + 0.3 = 0.75; p = 1 - 0.1 * 0.75 = 0.925
        ReferenceMath.SgdUpdate(parameters, velocity, [0.2], 1, learningRate: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: false);
        Assert.Equal(0.75, velocity[0], Precision);
        Assert.Equal(0.925, parameters[0], Precision);
    }

    [Fact]
    public void Label_smoothed_cross_entropy_matches_pytorch_by_hand()
    {
        // F.cross_entropy([[1, 2, 3]], [0], label_smoothing=0.1): -log p = lse - z with lse = log(e + e^2 + e^3);
        // loss = 0.9 (-log p_0) + 0.1 mean_c(-log p_c) = 2.30760596444438; dz = p - (0.9 onehot + 0.1 / 3).
        double[] logits = [1, 2, 3];
        var logSumExp = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        double[] rowLoss = [0];
        double[] gradient = new double[3];

        ReferenceMath.SoftmaxCrossEntropyForward(rowLoss, [0], logits, [0], 1, 3, labelSmoothing: 0.1);
        ReferenceMath.SoftmaxCrossEntropyBackward(gradient, logits, [0], 1, 3, labelSmoothing: 0.1);

        Assert.Equal(2.30760596444438, rowLoss[0], Precision);
        double[] expected = [Math.Exp(1 - logSumExp) - 0.9 - 0.1 / 3, Math.Exp(2 - logSumExp) - 0.1 / 3, Math.Exp(3 - logSumExp) - 0.1 / 3];
        Assert.Equal(expected, gradient, (a, b) => Math.Abs(a - b) < 1e-12);
    }

    [Fact]
    public void Nesterov_sgd_step_matches_pytorch_by_hand()
    {
        double[] parameters = [1];
        double[] velocity = [0.5];
        // PyTorch's SGD: g = 0.2 + 0.1 * 1 = 0.3; buf = 0.9 * 0.5 + 0.3 = 0.75; nesterov: g = 0.3 + 0.9 * 0.75 = 0.975;
        // p = 1 - 0.1 * 0.975 = 0.9025.
        ReferenceMath.SgdUpdate(parameters, velocity, [0.2], 1, learningRate: 0.1, momentum: 0.9, weightDecay: 0.1, nesterov: true);
        Assert.Equal(0.75, velocity[0], Precision);
        Assert.Equal(0.9025, parameters[0], Precision);
    }

    [Fact]
    public void First_adamw_step_moves_each_parameter_by_the_learning_rate_against_its_gradient()
    {
        // Step 1: m_hat = g and v_hat = g^2, so the step is lr * g / (|g| + eps), about lr * sign(g).
        double[] parameters = [1, 1];
        // Betas whose corrections are exact in float (0.5 and 0.25), so that the float step record loses nothing.
        var step = new AdamWStep(LearningRate: 0.5f, Beta1: 0.5f, Beta2: 0.75f, Epsilon: 0f, WeightDecay: 0.5f,
            BiasCorrection1: (float)ReferenceMath.AdamBiasCorrection(0.5, 1), BiasCorrection2: (float)ReferenceMath.AdamBiasCorrection(0.75, 1));
        ReferenceMath.AdamWUpdate(parameters, new double[2], new double[2], [3, -0.25], 2, step);
        // Decay first: 1 - 0.5 * 0.5 * 1 = 0.75; then -+0.5.
        Assert.Equal([0.25, 1.25], parameters, new PrecisionComparer(6));
    }

    [Fact]
    public void Gather_permutes_normalises_and_marks_items_outside_the_dataset()
    {
        byte[] pixels = [0, 255, 51, 102, 10, 20];
        int[] labels = [7, 3, 9];
        int[] order = [2, 0, 5, 1];
        var inputs = new double[6];
        var batchLabels = new int[3];
        ReferenceMath.GatherBatch(inputs, batchLabels, pixels, labels, order, start: 1, count: 3, features: 2, scales: [0.01], shifts: [1]);
        Assert.Equal([1, 3.55, 0, 0, 1.51, 2.02], inputs, new PrecisionComparer(Precision));
        Assert.Equal([7, -1, 3], batchLabels);
    }

    [Fact]
    public void Gather_normalises_each_channel_plane_with_its_own_scale_and_shift()
    {
        byte[] pixels = [10, 20, 30, 40];
        var inputs = new double[4];
        var batchLabels = new int[1];
        ReferenceMath.GatherBatch(inputs, batchLabels, pixels, [5], [0], start: 0, count: 1, features: 4, scales: [1, 0.5], shifts: [0, -1]);
        Assert.Equal([10, 20, 14, 19], inputs, new PrecisionComparer(Precision));
    }

    private static void AssertGemm(double[] a, double[] b, bool transposeA, bool transposeB, double[] expected)
    {
        var c = new double[4];
        ReferenceMath.Gemm(c, a, b, 2, 2, 2, transposeA, transposeB, alpha: 1, beta: 0);
        Assert.Equal(expected, c);
    }

    private static void AssertBinaryLoss(BinaryLoss loss, double[] expectedLoss, double[] expectedGradient)
    {
        var rowLoss = new double[2];
        var dLogits = new double[2];
        ReferenceMath.BinaryLossForward(loss, rowLoss, new double[2], [0, 0], [1, 0], 2);
        ReferenceMath.BinaryLossBackward(loss, dLogits, [0, 0], [1, 0], 2);
        Assert.Equal(expectedLoss, rowLoss, new PrecisionComparer(Precision));
        Assert.Equal(expectedGradient, dLogits, new PrecisionComparer(Precision));
    }

    private sealed class PrecisionComparer(int digits) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Round(x - y, digits) == 0;

        public int GetHashCode(double obj) => 0;
    }
}
