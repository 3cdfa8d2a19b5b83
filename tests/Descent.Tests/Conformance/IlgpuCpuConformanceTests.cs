using Descent.Kernels.Ilgpu;
using Xunit;

namespace Descent.Tests.Conformance;

public sealed class IlgpuCpuFixture() : BackendFixture(IlgpuBackend.CreateCpu());

/// <summary>The whole conformance suite on ILGPU's CPU accelerator.</summary>
public sealed class IlgpuCpuConformanceTests(IlgpuCpuFixture fixture) : BackendConformanceTests(fixture), IClassFixture<IlgpuCpuFixture>;
