/** Where entity checks send what they find; the loader collects everything rather than stopping at the first. */
export type Report = (path: string, message: string) => void;
