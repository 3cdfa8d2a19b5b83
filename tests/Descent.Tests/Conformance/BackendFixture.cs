using Descent.Kernels;

namespace Descent.Tests.Conformance;

/// <summary>
/// One backend shared by every test of a class, disposed when the class is done. A fixture given a
/// factory creates the backend on first use, so a backend that may be missing (Vulkan) can turn its
/// absence into each test's skip instead of a fixture failure.
/// </summary>
public abstract class BackendFixture : IDisposable
{
    private readonly Lazy<ComputeBackend> backend;

    protected BackendFixture(ComputeBackend backend) => this.backend = new Lazy<ComputeBackend>(backend);

    protected BackendFixture(Func<ComputeBackend> create) => backend = new Lazy<ComputeBackend>(create);

    public ComputeBackend Backend => backend.Value;

    /// <summary>Problems the device reported on its own (Vulkan's validation layer); a test fails on any new one.</summary>
    public virtual IReadOnlyList<string> DeviceMessages => [];

    public void Dispose()
    {
        if (backend.IsValueCreated)
        {
            backend.Value.Dispose();
        }
        GC.SuppressFinalize(this);
    }
}
