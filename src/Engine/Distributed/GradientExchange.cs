using System.Diagnostics;
using Descent.Engine.Layers;
using Descent.Kernels;

namespace Descent.Engine.Distributed;

/// <summary>
/// The one all-reduce of a data-parallel step, over the parameter store's whole gradient buffer. The loss averages over
/// the rows it sees, so a rank that trained r of a global batch's R rows holds the mean gradient of its r rows; scaled by
/// r / R before the sum, the ranks' gradients add up to the mean over all R rows: the gradient one process computes for
/// the whole batch, uneven shares and empty ones (r = 0, which contribute zeros) included.
/// The gradients go through host memory: downloaded, summed by MPI, uploaded. On GPUs, NCCL's ncclAllReduce (or a
/// CUDA-aware MPI given device pointers) would sum the device buffer in place and remove both copies; this class is where
/// that call would go.
/// </summary>
internal sealed class GradientExchange(ProcessGroup group, ParameterStore store)
{
    private readonly float[] gradients = new float[store.Length];
    private readonly Stopwatch sumClock = new();

    /// <summary>Time spent in the all-reduce itself (MPI's share of the steps, waiting for slower ranks included).</summary>
    public TimeSpan SumTime => sumClock.Elapsed;

    /// <summary>Makes every rank's gradient buffer the global batch's mean gradient, given this rank's rows and the batch's.</summary>
    public void SumGradients(int rankRows, int batchRows)
    {
        var backend = store.Backend;
        if (rankRows == 0)
        {
            Array.Clear(gradients);
        }
        else
        {
            backend.Download(store.Gradients, gradients);
            var share = (float)rankRows / batchRows;
            if (rankRows != batchRows)
            {
                System.Numerics.Tensors.TensorPrimitives.Multiply(gradients, share, gradients);
            }
        }
        sumClock.Start();
        group.AllReduceSum(gradients);
        sumClock.Stop();
        backend.Upload<float>(store.Gradients, gradients);
    }
}
