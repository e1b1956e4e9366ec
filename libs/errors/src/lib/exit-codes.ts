/** The exit code of a service whose port is taken (EADDRINUSE's errno on Linux), so a supervisor or a test can tell it apart. */
export const PORT_TAKEN_EXIT_CODE = 98;
