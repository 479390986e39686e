import { makeStyles } from '@material-ui/core';
import { OpenLuffyMark } from './LogoIcon';

const useStyles = makeStyles({
  root: { display: 'flex', alignItems: 'center', gap: 10, height: 30 },
  mark: { height: 30, width: 'auto' },
  name: {
    color: '#ffffff',
    fontSize: 22,
    fontWeight: 700,
    letterSpacing: 0.3,
    whiteSpace: 'nowrap',
  },
});

/** The mark and the name, for the open sidebar. */
export const LogoFull = () => {
  const classes = useStyles();
  return (
    <span className={classes.root}>
      <OpenLuffyMark className={classes.mark} />
      <span className={classes.name}>OpenLuffy</span>
    </span>
  );
};
