import { makeStyles } from '@material-ui/core';

const useStyles = makeStyles({
  svg: { width: 'auto', height: 28 },
});

/** OpenLuffy's mark (packages/app/public/openluffy-icon.svg): a straw hat over a heartbeat. */
export const OpenLuffyMark = (props: { className?: string }) => (
  <svg
    className={props.className}
    xmlns="http://www.w3.org/2000/svg"
    viewBox="0 0 64 64"
    role="img"
    aria-label="OpenLuffy"
  >
    <rect width="64" height="64" rx="14" fill="#0f2a3d" />
    <ellipse cx="32" cy="34" rx="26" ry="7" fill="#f2c14e" />
    <path d="M16 33c0-10 7-18 16-18s16 8 16 18z" fill="#f2c14e" />
    <path
      d="M16.6 29h30.8a16 16 0 0 1 .6 4H16a16 16 0 0 1 .6-4z"
      fill="#d7263d"
    />
    <path
      d="M8 50h14l4-7 6 12 5-9h19"
      fill="none"
      stroke="#7df3e1"
      strokeWidth="3.5"
      strokeLinecap="round"
      strokeLinejoin="round"
    />
  </svg>
);

export const LogoIcon = () => {
  const classes = useStyles();
  return <OpenLuffyMark className={classes.svg} />;
};
