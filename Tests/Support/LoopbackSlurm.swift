import Foundation

/// A single-node Slurm cluster (munged, slurmctld, slurmd) on 127.0.0.1 with free
/// nonstandard ports, in a temporary folder, started once per test process
/// (slurm-cluster.sh) and stopped by the PIDs it recorded when the process exits.
public final class LoopbackSlurm: Sendable {
    public let directory: String
    /// What a client needs in its environment: SLURM_CONF.
    public let environment: [String: String]

    public static let shared: Result<LoopbackSlurm, TestSupportError> = Result { () throws(TestSupportError) in
        try LoopbackSlurm()
    }

    public static func cluster() throws -> LoopbackSlurm { try shared.get() }

    private init() throws(TestSupportError) {
        // A short path: munge's socket path must fit in sockaddr_un.
        directory = "/tmp/snas-slurm-\(UUID().uuidString.prefix(8))"
        // slurmctld takes the port, slurmd the next one: find two free in a row.
        var port = try freePort()
        for _ in 0..<20 where (try? freePort(port + 1)) == nil { port = try freePort() }
        try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let output = try runProgram(
            "/bin/bash", [(supportDirectory as NSString).appendingPathComponent("slurm-cluster.sh"), "start", directory],
            environment: ["SLURM_TEST_PORT": String(port)])
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("export SLURM_CONF=") }) else {
            throw TestSupportError("slurm-cluster.sh printed no SLURM_CONF: \(output)")
        }
        environment = ["SLURM_CONF": String(line.dropFirst("export SLURM_CONF=".count))]
        stopAtExit(script: "slurm-cluster.sh", directory: directory)
    }
}
