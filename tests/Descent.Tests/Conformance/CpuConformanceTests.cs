using Descent.Kernels.Cpu;
using Xunit;

namespace Descent.Tests.Conformance;

public sealed class CpuFixture() : BackendFixture(new CpuBackend());

/// <summary>The whole conformance suite on the SIMD CPU backend.</summary>
public sealed class CpuConformanceTests(CpuFixture fixture) : BackendConformanceTests(fixture), IClassFixture<CpuFixture>;

public sealed class CpuAvx2Fixture() : BackendFixture(new CpuBackend(allowAvx512: false));

/// <summary>The whole conformance suite on the SIMD CPU backend with its AVX2 GEMM kernel, whatever the processor.</summary>
public sealed class CpuAvx2ConformanceTests(CpuAvx2Fixture fixture) : BackendConformanceTests(fixture), IClassFixture<CpuAvx2Fixture>;
