package dev.stowage.bench.report;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The machine a run happened on, without host names or paths: processors, CPU model, memory, Java,
 * kernel, the file system of the work directory and whether the block devices rotate.
 */
public record MachineInfo(
    int processors,
    String cpuModel,
    double memoryGiB,
    String java,
    String os,
    String fileSystem,
    List<String> disks) {

  public static MachineInfo describe(Path workDir) {
    return new MachineInfo(
        Runtime.getRuntime().availableProcessors(),
        readCpuModel(),
        readMemoryGiB(),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        System.getProperty("os.name") + " " + System.getProperty("os.version") + " " + System.getProperty("os.arch"),
        fileSystem(workDir),
        readDisks());
  }

  private static String readCpuModel() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      return lines.filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).trim())
          .findFirst().orElse("unknown");
    } catch (IOException | RuntimeException e) {
      return "unknown";
    }
  }

  private static double readMemoryGiB() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return Math.round(os.getTotalMemorySize() / (double) (1L << 30) * 10) / 10.0;
    }
    return 0;
  }

  private static String fileSystem(Path dir) {
    try {
      Files.createDirectories(dir);
      return Files.getFileStore(dir).type();
    } catch (IOException e) {
      return "unknown";
    }
  }

  /** Block devices other than loop and RAM disks, with their rotational flag: "vda: rotational=0". */
  private static List<String> readDisks() {
    List<String> disks = new ArrayList<>();
    try (Stream<Path> devices = Files.list(Path.of("/sys/block"))) {
      devices.sorted().forEach(device -> {
        String name = device.getFileName().toString();
        if (name.startsWith("loop") || name.startsWith("ram") || name.startsWith("zram")) {
          return;
        }
        try {
          String rotational = Files.readString(device.resolve("queue/rotational")).trim();
          // A virtual disk reports whatever its driver chose: report the flag, not a guess at the hardware.
          disks.add(name + ": rotational=" + rotational);
        } catch (IOException e) {
          disks.add(name + ": unknown");
        }
      });
    } catch (IOException e) {
      disks.add("not visible");
    }
    return disks;
  }
}
