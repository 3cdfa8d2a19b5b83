using Descent.Kernels.Profiling;
using ILGPU.Runtime;

namespace Descent.Kernels.Ilgpu;

public sealed partial class IlgpuBackend
{
    /// <summary>
    /// On a CUDA device, events recorded in the stream: an op's time is the GPU's, and marking it never waits. ILGPU's
    /// CPU accelerator stamps its markers with the host's clock when they are added, so there the wall clock, read with
    /// the stream synchronised, is the honest one.
    /// </summary>
    public override OpClock CreateOpClock() =>
        accelerator.AcceleratorType == AcceleratorType.Cuda && context.Properties.EnableProfiling
            ? new CudaEventClock(stream)
            : new WallClock(this);

    /// <summary>One CUDA event per mark, read and released once the events have completed.</summary>
    private sealed class CudaEventClock(AcceleratorStream stream) : OpClock
    {
        private readonly List<ProfilingMarker> markers = [];

        public override string Source => "CUDA events";

        public override void Mark() => markers.Add(stream.AddProfilingMarker());

        public override void ReadAndClear(List<double> seconds)
        {
            foreach (var marker in markers)
            {
                // From the first mark to this one; MeasureFrom waits for both events.
                seconds.Add(marker.MeasureFrom(markers[0]).TotalSeconds);
            }
            Release();
        }

        public override void Dispose()
        {
            Release();
            base.Dispose();
        }

        private void Release()
        {
            foreach (var marker in markers)
            {
                marker.Dispose();
            }
            markers.Clear();
        }
    }
}
