using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Conformance;

public sealed class CpuFixture() : BackendFixture(new CpuBackend());

/// <summary>The whole conformance suite on the SIMD CPU backend.</summary>
public sealed class CpuConformanceTests(CpuFixture fixture) : BackendConformanceTests(fixture), IClassFixture<CpuFixture>;
