import Foundation
import FuzzTargets
import LibFuzzerDriver

/// The target this process fuzzes, named by `LEDGER_FUZZ_TARGET` (one of FuzzTarget's raw values).
private let target: FuzzTarget = {
    let name = ProcessInfo.processInfo.environment["LEDGER_FUZZ_TARGET"] ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        FileHandle.standardError.write(
            Data("set LEDGER_FUZZ_TARGET to one of: \(FuzzTarget.allCases.map(\.rawValue).joined(separator: ", "))\n".utf8))
        exit(2)
    }
    return target
}()

/// libFuzzer's entry point: one input.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    target.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}

// This program's main runs libFuzzer's driver: the build asks for the fuzzer by compiler flags (tools/fuzz.sh), so
// the executable keeps its own main rather than libFuzzer's.
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv, fuzz))
