package com.example.smallest;

import java.io.File;

import org.osgi.service.component.annotations.Component;
import org.pluginscheduler.api.TaskSchedule;

@Component
@TaskSchedule("every:PT5M")
public class DiskSpaceCheck implements Runnable {

    private final File folder;
    private final long minFreeBytes;

    public DiskSpaceCheck() {
        this(new File("."), 1L << 30); // the runtime's working directory; 1 GiB
    }

    DiskSpaceCheck(File folder, long minFreeBytes) {
        this.folder = folder;
        this.minFreeBytes = minFreeBytes;
    }

    @Override
    public void run() {
        long free = folder.getUsableSpace();
        if (free < minFreeBytes) { // a failed run: task:list and task:runs show why
            throw new IllegalStateException((free >> 20) + " MiB free under " + folder.getAbsolutePath());
        }
    }
}
