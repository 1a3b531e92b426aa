using System.Runtime.Versioning;

// A CNI plugin only exists on Linux; saying so lets the code use Unix file modes without guards.
[assembly: SupportedOSPlatform("linux")]
