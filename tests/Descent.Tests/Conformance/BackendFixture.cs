using Descent.Kernels;

namespace Descent.Tests.Conformance;

/// <summary>One backend shared by every test of a class, disposed when the class is done.</summary>
public abstract class BackendFixture(ComputeBackend backend) : IDisposable
{
    public ComputeBackend Backend { get; } = backend;

    public void Dispose()
    {
        Backend.Dispose();
        GC.SuppressFinalize(this);
    }
}
