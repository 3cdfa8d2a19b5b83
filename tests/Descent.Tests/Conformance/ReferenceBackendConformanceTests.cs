using Descent.Kernels.Reference;
using Xunit;

namespace Descent.Tests.Conformance;

public sealed class ReferenceBackendFixture() : BackendFixture(new ReferenceBackend());

/// <summary>The reference backend against its own math: it must pass, or the suite itself is wrong.</summary>
public sealed class ReferenceBackendConformanceTests(ReferenceBackendFixture fixture)
    : BackendConformanceTests(fixture), IClassFixture<ReferenceBackendFixture>;
