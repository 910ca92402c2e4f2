using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace Bot.Tests.Browser;

internal static class BrowserDefaults
{
    /// <summary>
    /// A host that has just started answers its first requests slowly when the machine is busy (JIT, the first
    /// queries, the key ring): 5 s, Playwright's default wait for an expectation, failed the greeting at a load of 40
    /// on 2 cores. The tests check what the person sees, not how fast; speed is the benchmark's.
    /// </summary>
#pragma warning disable CA2255 // a test assembly's own start-up, the initializer's intended use in tests
    [ModuleInitializer]
    internal static void WaitLongerForExpectations() => Assertions.SetDefaultExpectTimeout(30_000);
#pragma warning restore CA2255
}
