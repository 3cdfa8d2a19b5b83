using System.Reflection;

namespace Descent.Kernels.Profiling;

/// <summary>One op's share of the steps profiled: its calls, their time on the device, and the work they did.</summary>
public sealed record OpTotals(string Op, int Calls, double Seconds, OpWork Work);

/// <summary>
/// A backend that runs every op on another (<see cref="StandInBackend.Device"/>) and times each call with that device's
/// <see cref="OpClock"/>, so a training step run on it says where its time goes. The op overrides are emitted
/// at run time from the backend interface (<see cref="ProfiledOps"/>), so a new op is profiled with no edit here.
/// Buffers allocated here wrap the device's; each op hands the device its own buffers and views.
/// </summary>
public abstract class ProfilingBackend : StandInBackend
{
    private readonly OpClock clock;
    private readonly Dictionary<(object Root, int Offset, int Length), object> views = [];
    private readonly List<(int Op, OpWork Work)> calls = [];
    private readonly List<double> marks = [];
    private readonly int[] callsOfOp;
    private readonly double[] secondsOfOp;
    private readonly OpWork[] workOfOp;

    protected ProfilingBackend(ComputeBackend device)
        : base(device)
    {
        clock = device.CreateOpClock();
        callsOfOp = new int[ProfiledOps.Hooks.Count];
        secondsOfOp = new double[ProfiledOps.Hooks.Count];
        workOfOp = new OpWork[ProfiledOps.Hooks.Count];
    }

    /// <param name="device">The backend that runs the ops; it stays the caller's to dispose.</param>
    public static ProfilingBackend Create(ComputeBackend device) => ProfiledOps.Create(device);

    /// <summary>Where the times come from (<see cref="OpClock.Source"/>).</summary>
    public string ClockSource => clock.Source;

    /// <summary>
    /// Reads the device's marks for every op since the last call (waiting for them) and adds each op's time to its totals.
    /// Called between steps: a device that queues work is then never stalled inside one.
    /// </summary>
    public void Collect()
    {
        marks.Clear();
        clock.ReadAndClear(marks);
        if (marks.Count != 2 * calls.Count)
        {
            throw new InvalidOperationException($"{calls.Count} ops timed but {marks.Count} marks read");
        }
        for (var call = 0; call < calls.Count; call++)
        {
            var (op, work) = calls[call];
            callsOfOp[op]++;
            secondsOfOp[op] += Math.Max(0, marks[2 * call + 1] - marks[2 * call]);
            workOfOp[op] += work;
        }
        calls.Clear();
    }

    /// <summary>The totals of every op called since the last <see cref="Reset"/>, collected; in the backend interface's order.</summary>
    public IReadOnlyList<OpTotals> Totals()
    {
        Collect();
        var totals = new List<OpTotals>();
        for (var op = 0; op < callsOfOp.Length; op++)
        {
            if (callsOfOp[op] > 0)
            {
                totals.Add(new OpTotals(ProfiledOps.Hooks[op].Op, callsOfOp[op], secondsOfOp[op], workOfOp[op]));
            }
        }
        return totals;
    }

    /// <summary>Forgets every op timed so far (a warm-up's), waiting for what is queued.</summary>
    public void Reset()
    {
        Collect();
        Array.Clear(callsOfOp);
        Array.Clear(secondsOfOp);
        Array.Clear(workOfOp);
    }

    // ---------------------------------------------------------------- what the emitted overrides call

    /// <summary>Before op <paramref name="op"/> (its index in <see cref="ProfiledOps.Hooks"/>) is handed to the device.</summary>
    protected void Begin(int op) => clock.Mark();

    /// <summary>After op <paramref name="op"/> was handed to the device with <paramref name="arguments"/>.</summary>
    protected void End(int op, object?[] arguments)
    {
        clock.Mark();
        calls.Add((op, OpWork.Of(ProfiledOps.Hooks[op].Op, ProfiledOps.Hooks[op].Parameters, arguments)));
    }

    /// <summary>The device's buffer or view behind one of ours.</summary>
    protected DeviceBuffer<T>? Unwrap<T>(DeviceBuffer<T>? buffer) where T : unmanaged
    {
        if (buffer is null)
        {
            return null;
        }
        var root = ((WrappedBuffer<T>)buffer.Root).Inner;
        if (!buffer.IsView)
        {
            return root;
        }
        // A model's parameters and gradients are views, sliced once and used every step: one device view each.
        var key = (Root: (object)buffer.Root, buffer.Offset, buffer.Length);
        if (!views.TryGetValue(key, out var view))
        {
            view = Device.Slice(root, buffer.Offset, buffer.Length);
            views.Add(key, view);
        }
        return (DeviceBuffer<T>)view;
    }

    // ---------------------------------------------------------------- memory, passed on

    protected override DeviceBuffer<T> AllocateCore<T>(int length) => new WrappedBuffer<T>(this, Device.Allocate<T>(length));

    protected override void UploadCore<T>(DeviceBuffer<T> destination, ReadOnlySpan<T> source, int offset) =>
        Device.Upload(Unwrap(destination)!, source, offset);

    protected override void DownloadCore<T>(DeviceBuffer<T> source, Span<T> destination, int offset) =>
        Device.Download(Unwrap(source)!, destination, offset);

    protected override void SynchronizeCore() => Device.Synchronize();

    protected override IReadOnlyList<ScratchNeed> ConvolutionScratchCore(ConvolutionPass pass, Conv2dShape shape) =>
        Device.ConvolutionScratch(pass, shape);

    // The device is the caller's; the clock is ours.
    protected override void DisposeCore() => clock.Dispose();

    /// <summary>One of the device's buffers, owned here; releasing it releases the device's.</summary>
    private sealed class WrappedBuffer<T>(ProfilingBackend owner, DeviceBuffer<T> inner) : DeviceBuffer<T>(owner, inner.Length)
        where T : unmanaged
    {
        public DeviceBuffer<T> Inner { get; } = inner;

        protected override void Release() => Inner.Dispose();
    }
}
